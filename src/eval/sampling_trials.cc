#include "eval/sampling_trials.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "eval/sampling_check.h"
#include "task/inputs.h"

namespace kda {
namespace {

size_t set_bytes(const std::vector<HostTensor>& set) {
  size_t n = 0;
  for (const HostTensor& t : set) n += t.data.size();
  return n;
}

// The first axis of `probs` when it is a var axis: the batch that the distribution step repeats.
std::string batch_axis(const Definition& def) {
  for (const TensorSpec& s : def.inputs) {
    if (s.name != "probs" || s.shape.size() != 2) continue;
    const Axis* a = def.find_axis(s.shape[0]);
    return a && !a->is_const ? a->name : "";
  }
  return "";
}

// What check_call (judge_impl.h) checks before the outputs; the samples are checked against the
// mask of the untiled set, computed once, instead of per call.
std::optional<Verdict> check_call_result(const CallResult& call, const std::vector<std::string>& want,
                                         const std::vector<HostTensor>& inputs, const Correctness& c) {
  if (call.rc != 0) return failed_verdict(Status::kRuntimeError, "nonzero_return", "kda_entry returned " + std::to_string(call.rc), c);
  if (!call.error.empty()) return failed_verdict(Status::kRuntimeError, "device_error", "device error after the call: " + call.error, c);
  for (size_t i = 0; i < want.size(); ++i)
    if (i < call.input_hashes.size() && call.input_hashes[i] != want[i])
      return failed_verdict(Status::kRejected, "input_mutated", "input '" + inputs[i].name + "' was modified by the candidate", c);
  return std::nullopt;
}

}  // namespace

Verdict run_sampling_trials(RunnerClient& cand, const Definition& def, const CheckRules& rules, const Workload& w,
                            const std::vector<HostTensor>& set, const SamplingTrialsContext& ctx) {
  const SamplingRule& rule = rules.sampling;
  const SamplingMask mask = sampling_mask(def, rule, set);
  Verdict v;
  Correctness& c = v.correctness;
  auto prefix = [](const std::string& step, Verdict bad) {
    bad.reason = step + ": " + bad.reason;
    return bad;
  };

  // 1. Validation trials on the set itself, a few sets per request (each set is a copy of it).
  const std::vector<HostTensor> outs = make_output_tensors(def, w);
  const std::vector<std::string> want = ctx.hashes(set);
  const int per_request = static_cast<int>(std::clamp<size_t>((size_t{64} << 20) / std::max<size_t>(set_bytes(set), 1), 1, 16));
  RunResult spare;
  for (int done = 1; done < rule.validation_trials;) {
    const int n = std::min(per_request, rule.validation_trials - done);
    std::vector<std::vector<HostTensor>> batch(static_cast<size_t>(n), set);
    RunResult r = cand.run(batch, outs, false, 0, ctx.call_timeout * n, &spare);
    for (int k = 0; k < n; ++k, ++done) {
      if (auto bad = check_call_result(r.calls[static_cast<size_t>(k)], want, set, c))
        return prefix("sampling validation call " + std::to_string(done + 1), *bad);
      if (auto bad = check_samples(mask, r.outputs[static_cast<size_t>(k)].at(0), c))
        return prefix("sampling validation call " + std::to_string(done + 1), *bad);
    }
    spare = std::move(r);
  }

  // 2. The distribution, over the batch repeated `repeat` times (torch's Tensor.repeat along the
  // first axis: rows 0..B-1, then 0..B-1 again), so that one call draws `repeat` samples a row.
  const std::string axis = batch_axis(def);
  int64_t repeat = 1;
  if (!axis.empty() && mask.rows > 0)
    repeat = std::max<int64_t>(1, std::min<int64_t>(rule.target_rows / mask.rows,
                                                    rule.max_tiled_bytes / static_cast<int64_t>(std::max<size_t>(set_bytes(set), 1))));
  Workload tiled_w = w;
  std::vector<HostTensor> tiled = set;
  if (repeat > 1) {
    tiled_w.axes[axis] = mask.rows * repeat;
    for (size_t i = 0; i < tiled.size() && i < def.inputs.size(); ++i) {
      if (def.inputs[i].shape.empty() || def.inputs[i].shape[0] != axis) continue;
      tiled[i].shape[0] *= repeat;
      tiled[i].data.clear();
      for (int64_t k = 0; k < repeat; ++k) tiled[i].data.insert(tiled[i].data.end(), set[i].data.begin(), set[i].data.end());
    }
  }
  const std::vector<HostTensor> tiled_outs = make_output_tensors(def, tiled_w);
  const std::vector<std::string> tiled_want = ctx.hashes(tiled);
  const int64_t calls = (rule.samples_per_row + repeat - 1) / repeat;
  const auto timeout = std::clamp(ctx.call_timeout * repeat, ctx.call_timeout, std::max(ctx.max_call_timeout, ctx.call_timeout));
  if (ctx.say)
    ctx.say("sampling check: " + std::to_string(calls) + " calls on " + std::to_string(mask.rows * repeat) + " rows (" +
            std::to_string(calls * repeat) + " samples per row of " + std::to_string(mask.rows) + ")");
  std::vector<uint32_t> counts(static_cast<size_t>(mask.rows * mask.vocab), 0);
  const std::vector<std::vector<HostTensor>> tiled_batch{tiled};
  spare = RunResult{};
  for (int64_t k = 0; k < calls; ++k) {
    RunResult r = cand.run(tiled_batch, tiled_outs, false, 0, timeout, &spare);
    const std::string step = "sampling distribution call " + std::to_string(k + 1);
    if (auto bad = check_call_result(r.calls.at(0), tiled_want, tiled, c)) return prefix(step, *bad);
    if (auto bad = check_samples(mask, r.outputs.at(0).at(0), c)) return prefix(step, *bad);
    count_samples(mask, r.outputs[0][0], counts);
    spare = std::move(r);
  }
  // The runner keeps the last set on the device, and the wall-clock check that follows times
  // calls on it: it must be the workload's own set again, not the repeated batch (its calls,
  // sized from the correctness call's speed, would take `repeat` times as long).
  {
    RunResult r = cand.run({set}, outs, false, 0, ctx.call_timeout, &spare);
    if (auto bad = check_call_result(r.calls.at(0), want, set, c)) return prefix("sampling check's last call", *bad);
    if (auto bad = check_samples(mask, r.outputs.at(0).at(0), c)) return prefix("sampling check's last call", *bad);
  }
  const TvdResult tv = total_variation(mask, counts, static_cast<uint64_t>(calls * repeat));
  c.max_absolute_error = tv.max_abs;
  c.max_relative_error = tv.max_rel;
  if (tv.max_tvd > rule.tvd_threshold) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "row %lld's samples are %.4f in total variation from the expected top-k/top-p distribution over %lld "
                  "samples (threshold %.4g)",
                  static_cast<long long>(tv.worst_row), tv.max_tvd, static_cast<long long>(calls * repeat), rule.tvd_threshold);
    return failed_verdict(Status::kIncorrectNumerical, "sampling_distribution", buf, c);
  }
  return v;
}

}  // namespace kda
