#include "tune/regimes.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <tuple>

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

// Each shape's key value, and the distinct values ascending: the groups a split runs over.
struct KeyGroups {
  std::vector<int64_t> values, groups;
};

KeyGroups group_by(const SegmentationInput& in, const RegimeKey& key) {
  KeyGroups g;
  for (const Shape& s : in.shapes) g.values.push_back(key.of(s));
  g.groups = g.values;
  std::sort(g.groups.begin(), g.groups.end());
  g.groups.erase(std::unique(g.groups.begin(), g.groups.end()), g.groups.end());
  return g;
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
  const KeyGroups kg = group_by(in, key);
  const std::vector<int64_t>& values = kg.values;
  const std::vector<int64_t>& groups = kg.groups;
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

// The input restricted to the shapes `keep` (indices into in.shapes).
SegmentationInput subset(const SegmentationInput& in, const std::vector<size_t>& keep) {
  SegmentationInput out;
  out.var_axes = in.var_axes;
  out.max_regimes = in.max_regimes;
  out.tie_tolerance = in.tie_tolerance;
  out.latency_ms.resize(in.latency_ms.size());
  for (size_t w : keep) {
    out.shapes.push_back(in.shapes[w]);
    for (size_t v = 0; v < in.latency_ms.size(); ++v) out.latency_ms[v].push_back(in.latency_ms[v][w]);
  }
  return out;
}

// The best depth-two tree with at most `max_leaves` leaves: intervals of `outer`, each split
// again on `inner` (an interval whose best inner split is one regime stays a leaf). Dynamic
// programming over the outer groups and the leaves spent so far; each outer range's inner
// split is best_for_key on the shapes it holds.
Candidate best_tree(const SegmentationInput& in, const RegimeKey& outer, const RegimeKey& inner, size_t max_leaves) {
  const KeyGroups kg = group_by(in, outer);
  const std::vector<int64_t>& values = kg.values;
  const std::vector<int64_t>& groups = kg.groups;
  // Trees deeper in leaves than a few regimes are beyond what a tuning sweep can support.
  const size_t G = groups.size(), L = std::min<size_t>(max_leaves, 16);
  if (G < 2 || L < 2) return {};
  // fit[i][j][c]: the inner split of the shapes in outer groups [i, j) with at most c regimes.
  std::map<std::tuple<size_t, size_t, size_t>, Candidate> fits;
  for (size_t i = 0; i < G; ++i)
    for (size_t j = i + 1; j <= G; ++j) {
      std::vector<size_t> keep;
      for (size_t w = 0; w < values.size(); ++w)
        if (values[w] >= groups[i] && values[w] <= groups[j - 1]) keep.push_back(w);
      const SegmentationInput part = subset(in, keep);
      for (size_t c = 1; c <= L; ++c) fits[{i, j, c}] = best_for_key(part, inner, c);
    }
  auto fit = [&](size_t i, size_t j, size_t c) -> const Candidate& { return fits.at({i, j, c}); };
  // dp[l][j]: best cost of groups [0, j) in at most l leaves; from[l][j]: (start, leaves) of the last range.
  std::vector<std::vector<double>> dp(L + 1, std::vector<double>(G + 1, kInf));
  std::vector<std::vector<std::pair<size_t, size_t>>> from(L + 1, std::vector<std::pair<size_t, size_t>>(G + 1));
  for (size_t l = 0; l <= L; ++l) dp[l][0] = 0;
  for (size_t l = 1; l <= L; ++l)
    for (size_t j = 1; j <= G; ++j)
      for (size_t i = 0; i < j; ++i)
        for (size_t c = 1; c <= l; ++c) {
          const double cost = dp[l - c][i] + fit(i, j, c).log_cost;
          if (cost < dp[l][j]) dp[l][j] = cost, from[l][j] = {i, c};
        }
  if (!std::isfinite(dp[L][G])) return {};
  Candidate out;
  out.log_cost = dp[L][G];
  out.seg.key = outer;
  std::vector<Regime> reversed;
  for (size_t l = L, j = G; j > 0;) {
    const auto [i, c] = from[l][j];
    const Segmentation& part = fit(i, j, c).seg;
    Regime r;
    if (j < G) r.below = threshold_between(groups[j - 1], groups[j]);
    if (part.regimes.size() == 1) {
      r.variant = part.regimes.front().variant;
    } else {
      r.inner_key = inner;
      r.inner = part.regimes;
    }
    reversed.push_back(r);
    l -= c;
    j = i;
  }
  for (auto it = reversed.rbegin(); it != reversed.rend(); ++it) {
    Regime& last = out.seg.regimes.empty() ? *it : out.seg.regimes.back();
    if (!out.seg.regimes.empty() && last.inner.empty() && it->inner.empty() && last.variant == it->variant)
      last.below = it->below;  // adjacent leaves of one specialist merge
    else
      out.seg.regimes.push_back(*it);
  }
  return out;
}

using Fit = std::function<Candidate(const SegmentationInput&)>;

// Leave-one-out cost of a way of segmenting: each shape is routed by a segmentation fitted
// without it, and pays that choice's latency. Training cost alone rewards thresholds that only
// fit the noise of the tuned shapes; this is what an unseen shape would pay.
double held_out_cost(const SegmentationInput& in, const Fit& fit) {
  double cost = 0;
  for (size_t w = 0; w < in.shapes.size(); ++w) {
    std::vector<size_t> keep;
    for (size_t k = 0; k < in.shapes.size(); ++k)
      if (k != w) keep.push_back(k);
    Candidate c = fit(subset(in, keep));
    if (c.seg.regimes.empty()) return kInf;
    cost += std::log(in.latency_ms[c.seg.variant_for(in.shapes[w])][w]);  // +inf if it fails there
  }
  return cost;
}

size_t route(const RegimeKey& key, const std::vector<Regime>& regimes, const Shape& s) {
  const int64_t k = key.of(s);
  for (const Regime& r : regimes)
    if (!r.below || k < *r.below) return r.inner.empty() ? r.variant : route(r.inner_key, r.inner, s);
  const Regime& last = regimes.back();
  return last.inner.empty() ? last.variant : route(last.inner_key, last.inner, s);
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

size_t Segmentation::variant_for(const Shape& s) const { return route(key, regimes, s); }

std::vector<size_t> Segmentation::specialists() const {
  std::vector<size_t> out;
  std::function<void(const std::vector<Regime>&)> walk = [&](const std::vector<Regime>& rs) {
    for (const Regime& r : rs) {
      if (!r.inner.empty()) walk(r.inner);
      else if (std::find(out.begin(), out.end(), r.variant) == out.end()) out.push_back(r.variant);
    }
  };
  walk(regimes);
  return out;
}

size_t Segmentation::leaves() const {
  size_t n = 0;
  for (const Regime& r : regimes) n += r.inner.empty() ? 1 : r.inner.size();
  return n;
}

bool Segmentation::is_tree() const {
  return std::any_of(regimes.begin(), regimes.end(), [](const Regime& r) { return !r.inner.empty(); });
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
      std::optional<RegimeKey> inner;  // a tree: `key` outside, `inner` within
      size_t count;                    // regimes (a tree's leaves)
      double cost;
      Candidate fit(const SegmentationInput& on) const {
        return inner ? best_tree(on, key, *inner, count) : best_for_key(on, key, count);
      }
    };
    // The bound is on specialists (distinct kernels), not on regimes: one specialist may serve
    // several regimes (short rows and many rows alike). Regimes go up to twice the bound, and a
    // fit with more specialists than allowed does not count.
    const size_t most_regimes = 2 * in.max_regimes;
    std::vector<Choice> choices;
    const std::vector<RegimeKey> keys = candidate_keys(in.var_axes);
    for (const RegimeKey& key : keys)
      for (size_t count = 1; count <= most_regimes; ++count) choices.push_back({key, std::nullopt, count, 0});
    for (const RegimeKey& outer : keys)
      for (const RegimeKey& inner : keys)
        if (outer.axes.size() == 1 && inner.axes.size() == 1 && outer.axes != inner.axes)
          for (size_t count = 2; count <= most_regimes; ++count) choices.push_back({outer, inner, count, 0});
    auto within_bound = [&](Candidate c) { return c.seg.specialists().size() <= in.max_regimes ? c : Candidate{}; };
    double lowest = kInf;
    for (Choice& c : choices) {
      c.cost = held_out_cost(in, [&](const SegmentationInput& on) { return within_bound(c.fit(on)); });
      if (c.cost < kInf && within_bound(c.fit(in)).seg.regimes.empty()) c.cost = kInf;
      lowest = std::min(lowest, c.cost);
    }
    const double slack = static_cast<double>(in.shapes.size()) * std::log1p(in.tie_tolerance);
    // Among the choices within the slack the simplest: fewest regimes, a single key before a
    // tree, fewer axes in the key.
    auto simplest = std::min_element(choices.begin(), choices.end(), [&](const Choice& a, const Choice& b) {
      const bool a_ok = a.cost <= lowest + slack, b_ok = b.cost <= lowest + slack;
      if (a_ok != b_ok) return a_ok;
      if (!a_ok) return a.cost < b.cost;
      if (a.count != b.count) return a.count < b.count;
      if (a.inner.has_value() != b.inner.has_value()) return !a.inner.has_value();
      return a.key.axes.size() < b.key.axes.size();
    });
    best = std::isfinite(simplest->cost) ? simplest->fit(in) : best_for_key(in, RegimeKey{}, 1);
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
