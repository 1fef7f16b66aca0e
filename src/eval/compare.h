// Output verification (DESIGN §4 rules 1 and 3, flashinfer-bench tolerance semantics):
// in order, elements left at the poison pattern (unwritten), NaN, Inf, a degenerate (constant or
// all-zero) output where the expected one is not, then the tolerance check where an element
// fails only if |a-e| > atol AND |a-e| > rtol*|e|, and the output passes when the fraction of
// matching elements reaches required_matched_ratio. The topk_indices comparator checks that
// indices are valid and distinct and that the selected scores match the expected ones.
#pragma once

#include <string>
#include <vector>

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

/// `inputs` are needed by comparators that interpret outputs relative to inputs (top-k).
Verdict compare_outputs(const Definition& def, const std::vector<HostTensor>& inputs,
                        const std::vector<HostTensor>& expected, const std::vector<HostTensor>& actual);

}  // namespace kda
