// The judge's repeated calls for the sampling check (eval/sampling_check.h), after a sampling
// candidate's correctness call has passed: flashinfer-bench's SamplingEvaluator procedure
// (bench/evaluators/sampling.py @ ecafa9c) on kda's runner.
//  1. Validation: the correctness call and `validation_trials - 1` more calls on the same input
//     set; every sample must lie in the vocabulary and in its row's top-k/top-p mask.
//  2. Distribution: the batch repeated along its first axis up to `target_rows` rows (bounded by
//     `max_tiled_bytes` per set), called until every row has `samples_per_row` samples; each
//     row's frequencies must be within `tvd_threshold` total variation of the expected
//     distribution.
//  3. One more call on the set itself, so that the runner's buffers hold the workload's own set
//     again for what follows (the wall-clock check runs its calls on the last set sent).
// Every call's outputs are poisoned by the runner and checked (return code, device error, input
// hashes, samples), as every other candidate call is.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "eval/compare.h"
#include "eval/runner_client.h"
#include "task/workload.h"

namespace kda {

struct SamplingTrialsContext {
  std::chrono::milliseconds call_timeout;      ///< a call on the workload's own batch
  std::chrono::milliseconds max_call_timeout;  ///< --timeout: a call on the repeated batch may take up to this
  /// The input hashes the runner reports for a set (the judge's hashes_of).
  std::function<std::vector<std::string>(const std::vector<HostTensor>&)> hashes;
  std::function<void(const std::string&)> say;  ///< progress lines; may be empty
};

/// Runs steps 1-2 on the candidate's runner; a passing Verdict carries the distribution's
/// errors in its correctness. A runner that crashes or hangs throws RunnerFailure, as run() does.
Verdict run_sampling_trials(RunnerClient& cand, const Definition& def, const CheckRules& rules, const Workload& w,
                            const std::vector<HostTensor>& set, const SamplingTrialsContext& ctx);

}  // namespace kda
