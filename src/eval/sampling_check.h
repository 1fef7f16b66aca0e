// The sampling check, as flashinfer-bench's SamplingEvaluator makes it (bench/evaluators/
// sampling.py @ ecafa9c). From the inputs `probs` [B, V] (or [V]), `top_k` and `top_p` ([B] or
// scalar), for the thresholding named by the definition (fib_rules.h):
//  - the valid mask of a row: top-k keeps every token whose probability is at least the k-th
//    largest (ties kept) when 0 < k < V; top-p keeps the tokens of the descending order whose
//    cumulative sum is <= p + 0.05 (at least the first) when 0 < p < 1; both: the intersection;
//  - the expected distribution: probs masked, divided by the masked sum.
// One call passes when every sample lies in [0, V) and in its row's mask (sample i belongs to
// row i % B); the distribution check counts many calls' samples per row and fails when a row's
// total variation distance 0.5 * sum |freq - expected| exceeds the threshold. The judge makes
// the calls (evaluate_workload.cc); this file is the arithmetic.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "eval/compare.h"
#include "eval/fib_rules.h"

namespace kda {

struct SamplingMask {
  int64_t rows = 0, vocab = 0;
  std::vector<uint8_t> valid;     ///< [rows * vocab]
  std::vector<double> expected;   ///< [rows * vocab], each row sums to 1 (or is all 0)
};

/// Throws kda::Error(kInput) when `probs` (or, for its thresholding, top_k / top_p) is missing.
SamplingMask sampling_mask(const Definition& def, const SamplingRule& rule, const std::vector<HostTensor>& inputs);

/// Range and mask of every sample of `samples` (any length; sample i is row i % rows). Poison
/// left in an element is unwritten_output; a bad sample is INCORRECT_NUMERICAL invalid_sample.
std::optional<Verdict> check_samples(const SamplingMask& m, const HostTensor& samples, Correctness& c);

/// compare_outputs' per-call check: shape and dtype against `expected`, then check_samples.
std::optional<Verdict> check_sampling_call(const Definition& def, const SamplingRule& rule,
                                           const std::vector<HostTensor>& inputs, const HostTensor& expected,
                                           const HostTensor& actual, Correctness& c);

/// Adds the (already checked) samples to counts[row * vocab + sample].
void count_samples(const SamplingMask& m, const HostTensor& samples, std::vector<uint32_t>& counts);

struct TvdResult {
  double max_tvd = 0;
  int64_t worst_row = 0;
  double max_abs = 0, max_rel = 0;  ///< of freq against expected (rel over |expected| + 1e-8)
};
/// Each row's frequencies are its counts over `per_row` samples.
TvdResult total_variation(const SamplingMask& m, const std::vector<uint32_t>& counts, uint64_t per_row);

}  // namespace kda
