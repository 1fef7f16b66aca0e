// The judge's draws (input sets, the reference's expected outputs, the session's draw cache)
// and the checks of one call's result (judge_impl.h).
#include "core/bulk_buffer.h"
#include "core/error.h"
#include "eval/judge_impl.h"
#include "task/inputs.h"

namespace kda {

std::vector<std::vector<HostTensor>> Judge::Impl::expected_for(const Workload& w,
                                                               const std::vector<std::vector<HostTensor>>& sets) {
  const std::vector<HostTensor> outs = make_output_layouts(task.definition, w);
  try {
    RunResult r = reference_runner().run(sets, outs, false, 0, opt.call_timeout * static_cast<int>(sets.size()));
    for (size_t k = 0; k < r.calls.size(); ++k)
      if (r.calls[k].rc != 0 || !r.calls[k].error.empty())
        fail(ErrorKind::kInput, "the reference of " + task.definition.name + " failed on workload " + w.uuid + " (rc " +
                                    std::to_string(r.calls[k].rc) + "): " + r.calls[k].error);
    return std::move(r.outputs);
  } catch (const RunnerFailure& f) {
    reference.reset();
    fail(ErrorKind::kInput, "the reference of " + task.definition.name + " failed on workload " + w.uuid + ": " +
                                f.reason + (f.log.empty() ? "" : "\n" + f.log));
  }
}

CallCheck Judge::Impl::check_call(const CallResult& c, bool late_write, const std::vector<HostTensor>& inputs,
                                  const std::vector<std::string>& want, const std::vector<HostTensor>& expected,
                                  const std::vector<HostTensor>& actual) {
  PhaseScope timer("output checks");
  CallCheck r;
  // The Python runner's codes for a value-returning function's wrong outputs (kda_pyrunner.py).
  if (c.rc == 2 && candidate_in_python) return {Status::kIncorrectShape, "output_shape", c.error, {}};
  if (c.rc == 3 && candidate_in_python) return {Status::kIncorrectDtype, "output_dtype", c.error, {}};
  if (c.rc != 0)
    return {Status::kRuntimeError, "nonzero_return",
            "kda_entry returned " + std::to_string(c.rc) + (c.error.empty() ? "" : ": " + c.error), {}};
  if (!c.error.empty()) return {Status::kRuntimeError, "device_error", "device error after the call: " + c.error, {}};
  if (late_write)
    return {Status::kRejected, "late_write_after_return",
            "the outputs changed after kda_entry returned: a background thread or unsynchronised work writes them", {}};
  for (size_t i = 0; i < want.size(); ++i)
    if (i < c.input_hashes.size() && c.input_hashes[i] != want[i])
      return {Status::kRejected, "input_mutated", "input '" + inputs[i].name + "' was modified by the candidate", {}};
  Verdict v = compare_outputs(task.definition, inputs, expected, actual);
  r.correctness = v.correctness;
  if (!v.passed()) return {v.status, v.reason_code, v.reason, v.correctness};
  return r;
}

std::vector<std::vector<HostTensor>> Judge::Impl::make_sets(const Workload& w, uint64_t& draw, int count) {
  PhaseScope timer("input generation");
  std::vector<std::vector<HostTensor>> sets;
  for (int k = 0; k < count; ++k) {
    const uint64_t d = draw++;
    if (k % 2 == 1) {
      // The previous set with a few elements of draw d: only those elements are generated.
      std::vector<HostTensor> set;
      for (const HostTensor& t : sets.back()) set.push_back({t.name, t.dtype, t.shape, copy_bulk(t.data)});
      perturb_inputs(task.definition, w, seed64, d, seed64 ^ draw, set);
      sets.push_back(std::move(set));
    } else {
      sets.push_back(generate_inputs(task.definition, w, seed64, d, task.root));
    }
  }
  return sets;
}

std::shared_ptr<const Judge::Impl::DrawBatch> Judge::Impl::draw_batch(const Workload& w, uint64_t& draw, int count) {
  const auto key = std::make_tuple(w.uuid, draw, count);
  if (auto it = draw_cache.find(key); it != draw_cache.end()) {
    add_phase_time("draws reused from the session's cache", 0, 0);
    draw += static_cast<uint64_t>(count);
    return it->second;
  }
  auto b = std::make_shared<DrawBatch>();
  b->sets = make_sets(w, draw, count);
  b->expected = expected_for(w, b->sets);
  size_t bytes = 0;
  for (size_t k = 0; k < b->sets.size(); ++k) {
    b->hashes.push_back(hashes_of(b->sets[k]));
    for (const HostTensor& t : b->sets[k]) bytes += t.data.size();
    for (const HostTensor& t : b->expected[k]) bytes += t.data.size();
  }
  // First come, kept: bounded in bytes, no eviction (a sweep repeats the same order of
  // workloads, so the first ones to fill it are the first ones asked for again).
  if (opt.draw_cache_bytes && draw_cache_used + bytes <= opt.draw_cache_bytes) {
    draw_cache.emplace(key, b);
    draw_cache_used += bytes;
  }
  return b;
}

}  // namespace kda
