#include "eval/sampling_check.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/error.h"

namespace kda {
namespace {

const HostTensor* find_input(const Definition& def, const std::vector<HostTensor>& inputs, const char* name) {
  for (size_t i = 0; i < def.inputs.size() && i < inputs.size(); ++i)
    if (def.inputs[i].name == name) return &inputs[i];
  return nullptr;
}

// A per-row parameter: element `row` of a [B] tensor, or the one value of a scalar.
double param(const HostTensor& t, int64_t row) {
  const size_t i = t.numel() == 1 ? 0 : static_cast<size_t>(row);
  return i < t.numel() ? load_element(t.dtype, t.data.data(), i) : 0;
}

// The nucleus compares in float32, as torch compares a float32 cumsum with the Python float
// p + eps (cast to float32 there): a sum at the bound is inside. kda sums in double in the
// descending order and rounds once, so the full mask and the per-sample test below agree.
float nucleus_bound(double top, const SamplingRule& rule) { return static_cast<float>(top + rule.top_p_eps); }

// Whether token `s` of the row `p` is in its mask, in one pass and without sorting: top-k keeps
// it when fewer than k tokens are more likely; top-p when the sum of the tokens before it in the
// descending order (ties by position), and its own, is within the bound, or when it comes first.
bool in_mask(const std::vector<double>& p, size_t s, bool use_k, int64_t k, bool use_p, double top, const SamplingRule& rule) {
  const int64_t v = static_cast<int64_t>(p.size());
  int64_t before = 0, greater = 0;
  double cum = 0;
  for (size_t j = 0; j < p.size(); ++j)
    if (p[j] > p[s] || (p[j] == p[s] && j < s)) {
      ++before;
      greater += p[j] > p[s];
      cum += p[j];
    }
  if (use_k && k > 0 && k < v && greater >= k) return false;
  if (use_p && top > 0 && top < 1 && before > 0 && !(static_cast<float>(cum + p[s]) <= nucleus_bound(top, rule))) return false;
  return true;
}

}  // namespace

SamplingMask sampling_mask(const Definition& def, const SamplingRule& rule, const std::vector<HostTensor>& inputs) {
  const HostTensor* probs = find_input(def, inputs, "probs");
  if (!probs || probs->shape.empty() || probs->shape.size() > 2)
    fail(ErrorKind::kInput, def.name + ": the sampling check needs an input 'probs' of shape [batch, vocab] or [vocab]");
  const bool use_k = rule.thresholding == "top_k" || rule.thresholding == "top_k_top_p";
  const bool use_p = rule.thresholding == "top_p" || rule.thresholding == "top_k_top_p";
  const HostTensor* top_k = find_input(def, inputs, "top_k");
  const HostTensor* top_p = find_input(def, inputs, "top_p");
  // SamplingEvaluator raises for these; here they are the definition's fault, not a verdict.
  if (use_k && !top_k) fail(ErrorKind::kInput, def.name + ": " + rule.thresholding + " sampling needs an input 'top_k'");
  if (use_p && !top_p) fail(ErrorKind::kInput, def.name + ": " + rule.thresholding + " sampling needs an input 'top_p'");

  SamplingMask m;
  m.vocab = probs->shape.back();
  m.rows = probs->shape.size() == 2 ? probs->shape[0] : 1;
  const size_t v = static_cast<size_t>(m.vocab);
  m.valid.assign(static_cast<size_t>(m.rows) * v, 1);
  m.expected.assign(m.valid.size(), 0.0);
  std::vector<double> p(v);
  std::vector<size_t> order(v);
  for (int64_t r = 0; r < m.rows; ++r) {
    const size_t base = static_cast<size_t>(r) * v;
    for (size_t j = 0; j < v; ++j) p[j] = load_element(probs->dtype, probs->data.data(), base + j);
    uint8_t* mask = m.valid.data() + base;
    if (use_k) {
      const int64_t k = static_cast<int64_t>(param(*top_k, r));
      if (k > 0 && k < m.vocab) {
        std::vector<double> sorted = p;
        std::nth_element(sorted.begin(), sorted.begin() + (k - 1), sorted.end(), std::greater<>());
        const double pivot = sorted[static_cast<size_t>(k - 1)];
        for (size_t j = 0; j < v; ++j) mask[j] &= p[j] >= pivot;  // ties with the pivot are kept
      }
    }
    if (use_p) {
      const double top = param(*top_p, r);
      if (top > 0 && top < 1) {
        std::iota(order.begin(), order.end(), size_t{0});
        std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return p[x] > p[y]; });
        std::vector<uint8_t> nucleus(v, 0);
        double cum = 0;
        const float bound = nucleus_bound(top, rule);
        for (size_t n = 0; n < v; ++n) {
          cum += p[order[n]];
          if (static_cast<float>(cum) <= bound) nucleus[order[n]] = 1;
        }
        if (!std::any_of(nucleus.begin(), nucleus.end(), [](uint8_t x) { return x != 0; })) nucleus[order[0]] = 1;
        for (size_t j = 0; j < v; ++j) mask[j] &= nucleus[j];
      }
    }
    double sum = 0;
    for (size_t j = 0; j < v; ++j) sum += mask[j] ? p[j] : 0.0;
    if (sum > 0)
      for (size_t j = 0; j < v; ++j) m.expected[base + j] = mask[j] ? p[j] / sum : 0.0;
  }
  return m;
}

std::optional<Verdict> check_samples(const SamplingMask& m, const HostTensor& samples, Correctness& c) {
  const size_t n = samples.numel(), es = dtype_size(samples.dtype);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* p = samples.data.data() + i * es;
    if (std::all_of(p, p + es, [](uint8_t b) { return b == kPoisonByte; }))
      return failed_verdict(Status::kIncorrectNumerical, "unwritten_output",
                            "sample " + std::to_string(i) + " was never written (still poison)", c);
    const double s = load_element(samples.dtype, samples.data.data(), i);
    const int64_t row = static_cast<int64_t>(i) % std::max<int64_t>(m.rows, 1);
    if (!(s >= 0 && s < static_cast<double>(m.vocab)) || s != std::floor(s))
      return failed_verdict(Status::kIncorrectNumerical, "invalid_sample",
                            "sample " + std::to_string(i) + " is " + std::to_string(s) + ", outside the vocabulary [0, " +
                                std::to_string(m.vocab) + ")", c);
    if (!m.valid[static_cast<size_t>(row * m.vocab + static_cast<int64_t>(s))])
      return failed_verdict(Status::kIncorrectNumerical, "invalid_sample",
                            "sample " + std::to_string(i) + " (token " + std::to_string(static_cast<int64_t>(s)) +
                                ") is outside row " + std::to_string(row) + "'s top-k/top-p mask", c);
  }
  c.elements_checked += static_cast<int64_t>(n);
  return std::nullopt;
}

std::optional<Verdict> check_sampling_call(const Definition& def, const SamplingRule& rule,
                                           const std::vector<HostTensor>& inputs, const HostTensor& e,
                                           const HostTensor& a, Correctness& c) {
  if (a.dtype != e.dtype) return failed_verdict(Status::kIncorrectDtype, "dtype_mismatch", "output '" + e.name + "' has the wrong dtype", c);
  if (a.shape != e.shape || a.data.size() != e.data.size())
    return failed_verdict(Status::kIncorrectShape, "shape_mismatch", "output '" + e.name + "' has the wrong shape", c);
  // Every timed call comes here: each sample is tested in one pass over its row (O(V)), not
  // against a mask that sorts every row (O(V log V) a row, ~25 ms at V = 128k).
  const HostTensor* probs = find_input(def, inputs, "probs");
  const bool use_k = rule.thresholding == "top_k" || rule.thresholding == "top_k_top_p";
  const bool use_p = rule.thresholding == "top_p" || rule.thresholding == "top_k_top_p";
  const HostTensor* top_k = find_input(def, inputs, "top_k");
  const HostTensor* top_p = find_input(def, inputs, "top_p");
  if (!probs || probs->shape.empty() || probs->shape.size() > 2 || (use_k && !top_k) || (use_p && !top_p))
    return check_samples(sampling_mask(def, rule, inputs), a, c);  // which names the missing input
  const int64_t vocab = probs->shape.back(), rows = probs->shape.size() == 2 ? probs->shape[0] : 1;
  const size_t n = a.numel(), es = dtype_size(a.dtype);
  std::vector<double> p(static_cast<size_t>(vocab));
  int64_t loaded = -1;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* q = a.data.data() + i * es;
    if (std::all_of(q, q + es, [](uint8_t b) { return b == kPoisonByte; }))
      return failed_verdict(Status::kIncorrectNumerical, "unwritten_output",
                            "sample " + std::to_string(i) + " was never written (still poison)", c);
    const double s = load_element(a.dtype, a.data.data(), i);
    if (!(s >= 0 && s < static_cast<double>(vocab)) || s != std::floor(s))
      return failed_verdict(Status::kIncorrectNumerical, "invalid_sample",
                            "sample " + std::to_string(i) + " is " + std::to_string(s) + ", outside the vocabulary [0, " +
                                std::to_string(vocab) + ")", c);
    const int64_t row = static_cast<int64_t>(i) % std::max<int64_t>(rows, 1);
    if (row != loaded) {
      for (int64_t j = 0; j < vocab; ++j)
        p[static_cast<size_t>(j)] = load_element(probs->dtype, probs->data.data(), static_cast<size_t>(row * vocab + j));
      loaded = row;
    }
    const int64_t k = use_k ? static_cast<int64_t>(param(*top_k, row)) : 0;
    const double top = use_p ? param(*top_p, row) : 1.0;
    if (!in_mask(p, static_cast<size_t>(s), use_k, k, use_p, top, rule))
      return failed_verdict(Status::kIncorrectNumerical, "invalid_sample",
                            "sample " + std::to_string(i) + " (token " + std::to_string(static_cast<int64_t>(s)) +
                                ") is outside row " + std::to_string(row) + "'s top-k/top-p mask", c);
  }
  c.elements_checked += static_cast<int64_t>(n);
  return std::nullopt;
}

void count_samples(const SamplingMask& m, const HostTensor& samples, std::vector<uint32_t>& counts) {
  counts.resize(static_cast<size_t>(m.rows * m.vocab), 0);
  for (size_t i = 0; i < samples.numel(); ++i) {
    const int64_t s = static_cast<int64_t>(load_element(samples.dtype, samples.data.data(), i));
    const int64_t row = static_cast<int64_t>(i) % m.rows;
    if (s >= 0 && s < m.vocab) ++counts[static_cast<size_t>(row * m.vocab + s)];
  }
}

TvdResult total_variation(const SamplingMask& m, const std::vector<uint32_t>& counts, uint64_t per_row) {
  TvdResult t;
  for (int64_t r = 0; r < m.rows; ++r) {
    double tvd = 0;
    for (int64_t j = 0; j < m.vocab; ++j) {
      const size_t i = static_cast<size_t>(r * m.vocab + j);
      const double f = per_row ? static_cast<double>(i < counts.size() ? counts[i] : 0) / static_cast<double>(per_row) : 0;
      const double d = std::abs(f - m.expected[i]);
      tvd += d;
      t.max_abs = std::max(t.max_abs, d);
      t.max_rel = std::max(t.max_rel, d / (std::abs(m.expected[i]) + 1e-8));
    }
    tvd *= 0.5;
    if (r == 0 || tvd > t.max_tvd) {
      t.max_tvd = tvd;
      t.worst_row = r;
    }
  }
  return t;
}

}  // namespace kda
