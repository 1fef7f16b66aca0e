// Output verification (DESIGN §4 rules 1 and 3, flashinfer-bench tolerance semantics):
// in order, elements left at the poison pattern (unwritten), NaN, Inf, a degenerate (constant or
// all-zero) output where the expected one is not, then the tolerance check where an element
// fails only if |a-e| > atol AND |a-e| > rtol*|e|, and the output passes when the fraction of
// matching elements reaches required_matched_ratio. The topk_indices comparator checks that
// indices are valid and distinct and that the selected scores match the expected ones.
// Which tolerance and comparator apply is eval/fib_rules.h's decision (flashinfer-bench's rules
// unless the definition's kda fields say otherwise); the DSA top-k indexer check is in
// compare_dsa.h, the sampling check in sampling_check.h.
#pragma once

#include <string>
#include <vector>

#include "eval/fib_rules.h"
#include "task/definition.h"
#include "task/tensor.h"
#include "task/trace.h"

namespace kda {

inline constexpr uint8_t kPoisonByte = 0xFF;

struct Verdict {
  Status status = Status::kPassed;
  std::string reason_code;  ///< "" when passed
  std::string reason;
  Correctness correctness;
  bool passed() const { return status == Status::kPassed; }
};

inline Verdict failed_verdict(Status st, std::string code, std::string reason, const Correctness& c) {
  return Verdict{st, std::move(code), std::move(reason), c};
}

/// `inputs` are needed by comparators that interpret outputs relative to inputs (top-k, DSA,
/// sampling). The rules are check_rules(def).
Verdict compare_outputs(const Definition& def, const std::vector<HostTensor>& inputs,
                        const std::vector<HostTensor>& expected, const std::vector<HostTensor>& actual);
/// The same with the rules already resolved (a caller that checks many calls resolves once).
Verdict compare_outputs(const Definition& def, const CheckRules& rules, const std::vector<HostTensor>& inputs,
                        const std::vector<HostTensor>& expected, const std::vector<HostTensor>& actual);

}  // namespace kda
