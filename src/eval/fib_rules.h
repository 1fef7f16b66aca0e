// How flashinfer-bench judges a definition's outputs, as a table kda applies (docs/evaluator.md,
// "Verdicts on flashinfer-bench tasks"): the tolerance it resolves for the definition's op_type
// and name, and the evaluator it picks (default, low-bit, DSA sparse attention, DSA top-k
// indexer, sampling). kda's own `kda.tolerance` fields and `kda.comparator` win where the
// definition has them; a Definition built in code (no JSON behind it) is taken as its fields say.
// Every value in fib_rules.cc cites the flashinfer-bench file it comes from (commit ecafa9c).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "task/definition.h"

namespace kda {

enum class Comparator {
  kAllclose,        ///< element-wise atol/rtol + matched ratio (kda's checks first)
  kTopkIndices,     ///< kda's own: valid distinct indices whose scores match
  kDsaTopkIndexer,  ///< index sets with -1 padding, compared by their recomputed scores
  kSampling,        ///< samples inside the top-k/top-p mask, and their distribution (TVD)
};

/// flashinfer-bench's sampling check: per-call validity over `validation_trials` calls on one
/// input set, then about `samples_per_row` samples per row, drawn by calls on the batch repeated
/// up to `target_rows` rows, whose frequencies must be within `tvd_threshold` (total variation)
/// of the filtered, renormalised probabilities.
struct SamplingRule {
  int validation_trials = 100;
  double tvd_threshold = 0.2;
  int64_t samples_per_row = 500000;
  int64_t target_rows = 10000;
  /// kda's own bound on one repeated input set (fib has none: it runs on a GPU with room).
  int64_t max_tiled_bytes = int64_t{256} << 20;
  std::string thresholding = "none";  ///< "none" | "top_k" | "top_p" | "top_k_top_p" (from the name)
  double top_p_eps = 5e-2;            ///< the nucleus is cumsum <= p + eps
};

struct CheckRules {
  Tolerance tolerance;
  Comparator comparator = Comparator::kAllclose;
  /// Outputs a candidate may leave unwritten (all poison): they are then not compared.
  std::vector<std::string> optional_outputs;
  SamplingRule sampling;
  std::string origin;  ///< which rules applied, for messages: "flashinfer-bench op_type moe", ...
};

/// The rules for `d`. Throws kda::Error(kInput) when flashinfer-bench would refuse the definition
/// (two of its evaluators claim it) or a `kda.sampling` field is malformed.
CheckRules check_rules(const Definition& d);

const char* comparator_name(Comparator c);

}  // namespace kda
