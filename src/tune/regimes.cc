#include "tune/regimes.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.h"

namespace kda {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Every non-empty subset of the var axes (at most three axes take part: more would make keys
// that no reader of the regime table can reason about).
std::vector<RegimeKey> candidate_keys(const std::vector<std::string>& axes) {
  std::vector<std::string> use(axes.begin(), axes.begin() + std::min<size_t>(axes.size(), 3));
  std::vector<RegimeKey> keys;
  for (unsigned mask = 1; mask < (1u << use.size()); ++mask) {
    RegimeKey k;
    for (size_t i = 0; i < use.size(); ++i)
      if (mask & (1u << i)) k.axes.push_back(use[i]);
    keys.push_back(k);
  }
  // Single axes first: on equal latency the simpler key is kept.
  std::stable_sort(keys.begin(), keys.end(), [](const RegimeKey& a, const RegimeKey& b) { return a.axes.size() < b.axes.size(); });
  return keys;
}

// A threshold between adjacent key values a < b: the geometric midpoint, since shape axes span
// orders of magnitude (a shape of 3000 between 2048 and 4096 belongs to neither side's midpoint
// 3072 by distance, but by ratio it is as far from one as from the other).
int64_t threshold_between(int64_t a, int64_t b) {
  double mid = std::ceil(std::sqrt(static_cast<double>(a)) * std::sqrt(static_cast<double>(b)));
  return std::clamp<int64_t>(static_cast<int64_t>(mid), a + 1, b);
}

struct Candidate {
  Segmentation seg;
  double log_cost = kInf;
};

// The best segmentation on `key` with at most `max_count` regimes (max_count 0: the smallest
// count whose cost is within the tie tolerance of the best over every count).
Candidate best_for_key(const SegmentationInput& in, const RegimeKey& key, size_t max_count = 0) {
  const size_t n_var = in.latency_ms.size();
  // Distinct key values, ascending; per group and variant, the summed log latency.
  std::vector<int64_t> values;
  for (const Shape& s : in.shapes) values.push_back(key.of(s));
  std::vector<int64_t> groups = values;
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  const size_t G = groups.size();
  std::vector<std::vector<double>> prefix(n_var, std::vector<double>(G + 1, 0.0));
  for (size_t v = 0; v < n_var; ++v) {
    std::vector<double> per_group(G, 0.0);
    for (size_t w = 0; w < in.shapes.size(); ++w) {
      size_t g = std::lower_bound(groups.begin(), groups.end(), values[w]) - groups.begin();
      per_group[g] += std::log(in.latency_ms[v][w]);  // +inf stays +inf
    }
    for (size_t g = 0; g < G; ++g) prefix[v][g + 1] = prefix[v][g] + per_group[g];
  }
  auto seg_cost = [&](size_t i, size_t j, size_t* arg) {  // groups [i, j)
    double best = kInf;
    for (size_t v = 0; v < n_var; ++v) {
      double c = prefix[v][j] - prefix[v][i];
      if (std::isnan(c)) c = kInf;  // inf - inf: some group in the range failed
      if (c < best) best = c, *arg = v;
    }
    return best;
  };

  const size_t K = std::min(max_count ? max_count : in.max_regimes, G);
  // dp[s][j]: best cost of groups [0, j) in s regimes; cut[s][j]: where the last regime starts.
  std::vector<std::vector<double>> dp(K + 1, std::vector<double>(G + 1, kInf));
  std::vector<std::vector<size_t>> cut(K + 1, std::vector<size_t>(G + 1, 0));
  dp[0][0] = 0;
  for (size_t s = 1; s <= K; ++s)
    for (size_t j = 1; j <= G; ++j)
      for (size_t i = s - 1; i < j; ++i) {
        size_t v = 0;
        double c = dp[s - 1][i] + seg_cost(i, j, &v);
        if (c < dp[s][j]) dp[s][j] = c, cut[s][j] = i;
      }
  double best = kInf;
  for (size_t s = 1; s <= K; ++s) best = std::min(best, dp[s][G]);
  if (!std::isfinite(best)) return {};
  size_t count = K;
  if (!max_count) {
    const double slack = static_cast<double>(in.shapes.size()) * std::log1p(in.tie_tolerance);
    count = 1;
    while (dp[count][G] > best + slack) ++count;
  } else {
    while (count > 1 && dp[count - 1][G] <= dp[count][G]) --count;
  }

  Candidate out;
  out.log_cost = dp[count][G];
  out.seg.key = key;
  std::vector<Regime> reversed;
  for (size_t s = count, j = G; s > 0; --s) {
    size_t i = cut[s][j], v = 0;
    seg_cost(i, j, &v);
    Regime r;
    r.variant = v;
    if (j < G) r.below = threshold_between(groups[j - 1], groups[j]);
    reversed.push_back(r);
    j = i;
  }
  for (auto it = reversed.rbegin(); it != reversed.rend(); ++it) {
    if (!out.seg.regimes.empty() && out.seg.regimes.back().variant == it->variant)
      out.seg.regimes.back().below = it->below;  // adjacent regimes of one specialist merge
    else
      out.seg.regimes.push_back(*it);
  }
  return out;
}

// Leave-one-out cost of segmenting on `key` with at most `count` regimes: each shape is routed
// by a segmentation fitted without it, and pays that choice's latency. Training cost alone
// rewards thresholds that only fit the noise of the tuned shapes; this is what an unseen
// shape would pay.
double held_out_cost(const SegmentationInput& in, const RegimeKey& key, size_t count) {
  double cost = 0;
  for (size_t w = 0; w < in.shapes.size(); ++w) {
    SegmentationInput rest = in;
    rest.shapes.erase(rest.shapes.begin() + static_cast<std::ptrdiff_t>(w));
    for (auto& row : rest.latency_ms) row.erase(row.begin() + static_cast<std::ptrdiff_t>(w));
    Candidate c = best_for_key(rest, key, count);
    if (c.seg.regimes.empty()) return kInf;
    cost += std::log(in.latency_ms[c.seg.variant_for(in.shapes[w])][w]);  // +inf if it fails there
  }
  return cost;
}

}  // namespace

int64_t RegimeKey::of(const Shape& s) const {
  int64_t p = 1;
  for (const std::string& a : axes) {
    auto it = s.find(a);
    int64_t v = it == s.end() ? 1 : std::max<int64_t>(it->second, 0);
    if (v != 0 && p > std::numeric_limits<int64_t>::max() / v) return std::numeric_limits<int64_t>::max();
    p *= v;
  }
  return p;
}

std::string RegimeKey::label() const {
  std::string s;
  for (const std::string& a : axes) s += (s.empty() ? "" : "*") + a;
  return s;
}

size_t Segmentation::variant_for(const Shape& s) const {
  const int64_t k = key.of(s);
  for (const Regime& r : regimes)
    if (!r.below || k < *r.below) return r.variant;
  return regimes.back().variant;
}

std::vector<size_t> Segmentation::specialists() const {
  std::vector<size_t> out;
  for (const Regime& r : regimes)
    if (std::find(out.begin(), out.end(), r.variant) == out.end()) out.push_back(r.variant);
  return out;
}

Segmentation segment(const SegmentationInput& in) {
  if (in.shapes.empty()) fail(ErrorKind::kInput, "no tuned shapes: the task has no public workloads to tune on");
  if (in.latency_ms.empty()) fail(ErrorKind::kInput, "no variant to choose from");
  if (in.max_regimes == 0) fail(ErrorKind::kUsage, "--max-specialists must be at least 1");
  for (size_t w = 0; w < in.shapes.size(); ++w) {
    bool any = false;
    for (const auto& row : in.latency_ms) any = any || std::isfinite(row[w]);
    if (!any) {
      std::string axes;
      for (auto& [k, v] : in.shapes[w]) axes += (axes.empty() ? "" : ", ") + k + "=" + std::to_string(v);
      fail(ErrorKind::kInput, "no variant passes the shape {" + axes + "}: a router cannot pass it either; fix the "
                              "solutions (kda eval shows why each fails) or remove the workload");
    }
  }
  // Model selection by leave-one-out over (key, number of regimes); the winner is then fitted on
  // every shape. Fewer regimes and simpler keys win unless they cost more than the tolerance.
  // With fewer than three shapes nothing can be held out meaningfully: training cost decides.
  Candidate best;
  if (in.var_axes.empty()) {  // a definition without var axes: one regime, the best variant
    best = best_for_key(in, RegimeKey{}, 1);
  } else if (in.shapes.size() < 3) {
    for (const RegimeKey& key : candidate_keys(in.var_axes)) {
      Candidate c = best_for_key(in, key);
      const bool better = c.log_cost < best.log_cost - 1e-12 ||
                          (std::abs(c.log_cost - best.log_cost) <= 1e-12 && c.seg.regimes.size() < best.seg.regimes.size());
      if (better) best = std::move(c);
    }
  } else {
    struct Choice {
      RegimeKey key;
      size_t count;
      double cost;
    };
    std::vector<Choice> choices;
    double lowest = kInf;
    for (const RegimeKey& key : candidate_keys(in.var_axes))
      for (size_t count = 1; count <= in.max_regimes; ++count) {
        choices.push_back({key, count, held_out_cost(in, key, count)});
        lowest = std::min(lowest, choices.back().cost);
      }
    const double slack = static_cast<double>(in.shapes.size()) * std::log1p(in.tie_tolerance);
    // candidate_keys lists single axes first; counts ascend within a key: the first choice within
    // the slack is the simplest.
    auto simplest = std::min_element(choices.begin(), choices.end(), [&](const Choice& a, const Choice& b) {
      const bool a_ok = a.cost <= lowest + slack, b_ok = b.cost <= lowest + slack;
      if (a_ok != b_ok) return a_ok;
      if (!a_ok) return a.cost < b.cost;
      if (a.count != b.count) return a.count < b.count;
      return a.key.axes.size() < b.key.axes.size();
    });
    best = std::isfinite(simplest->cost) ? best_for_key(in, simplest->key, simplest->count) : best_for_key(in, RegimeKey{}, 1);
    best.seg.held_out_geomean_ms = std::exp(simplest->cost / static_cast<double>(in.shapes.size()));
  }
  const double n = static_cast<double>(in.shapes.size());
  double oracle = 0;
  for (size_t w = 0; w < in.shapes.size(); ++w) {
    double m = kInf;
    for (const auto& row : in.latency_ms) m = std::min(m, row[w]);
    oracle += std::log(m);
  }
  best.seg.geomean_ms = std::exp(best.log_cost / n);
  best.seg.oracle_geomean_ms = std::exp(oracle / n);
  best.seg.regret = best.seg.geomean_ms / best.seg.oracle_geomean_ms - 1.0;
  return best.seg;
}

Json to_json(const RegimeKey& k) { return Json{{"axes", k.axes}, {"label", k.label()}}; }

}  // namespace kda
