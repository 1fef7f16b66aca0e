// Input generation for a workload: deterministic from (seed, workload uuid, input name, draw
// index) so the judge can regenerate any input set, and unpredictable to a candidate that does
// not know the seed. Random elements are counter-based (task/counter_rng.h): element i of a draw
// is a function of the stream and i alone. The distributions are flashinfer-bench's (docs/formats.md,
// "Input generation"): floats ~ N(0,1), fp8/fp4 N(0,1) clamped to [-2, 2], int8 in [-128, 128),
// other ints in [-1024, 1024), bool/uint8 over their range, sampling `probs` softmax rows and the
// DSA indexer's packed fp8 cache (task/inputs_fib.h); kda.inputs.<name> ({"dist": "normal"} or
// {"dist": "uniform", "low", "high"}) replaces all of that for its input. Scalars come from the
// recipe, safetensors from the task root.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "task/definition.h"
#include "task/tensor.h"
#include "task/workload.h"

namespace kda {

/// Shapes resolved for this workload's axes; `data` allocated but not filled.
std::vector<HostTensor> make_output_tensors(const Definition& d, const Workload& w);

/// The same names, types and shapes with `data` left empty: what a request needs to describe the
/// outputs it wants back (a zero-filled buffer of a 64 MB output is 16k page faults for nothing).
std::vector<HostTensor> make_output_layouts(const Definition& d, const Workload& w);

/// Inputs in definition order. `draw` selects a fresh independent set for the same workload.
std::vector<HostTensor> generate_inputs(const Definition& d, const Workload& w, uint64_t seed,
                                        uint64_t draw, const std::filesystem::path& task_root);

/// Replaces 1 + n/4096 elements of each random input of `set` (positions drawn from `salt`) with
/// the values that generate_inputs(..., draw, ...) has there, without generating the rest of that
/// draw: a set that differs from the previous one in a few places, so that a cache keyed on
/// pointers or on a sample of the contents returns stale outputs (docs/evaluator.md, step 3).
void perturb_inputs(const Definition& d, const Workload& w, uint64_t seed, uint64_t draw, uint64_t salt,
                    std::vector<HostTensor>& set);

}  // namespace kda
