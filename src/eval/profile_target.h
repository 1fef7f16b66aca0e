// A candidate made ready for an external profiler (`kda profile run --task`): the solution is
// built, one public workload's inputs are generated, and the RUN requests the judge would send
// are written to a file, so that the profiler wraps a single kda-runner process that loads the
// candidate and answers those requests on its own. No judge runs under the profiler, and hidden
// workloads are never used here: profiles are shown to agents.
//
// The candidate's kernels only: the recorded requests do not ask the runner to flush the caches
// (Nsight Compute flushes them before every replay pass itself, `--cache-control all`), so the
// runner's L2 sweep never runs under the profiler; its launch gate is off under a profiler by
// the runner's own rule; and whatever else the runner launches is named by
// runner_own_kernels(), which the profiler's analysis leaves out.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "task/task_dir.h"

namespace kda {

struct ProfileTargetOptions {
  std::string backend = "cuda";
  std::string arch;             ///< build target; empty: from the device
  std::string workload;         ///< public workload uuid; empty: the largest public one
  int calls = 3;                ///< RUN requests (ncu flushes the caches before each pass)
  std::filesystem::path runner_exe;  ///< empty: locate_runner()
};

struct ProfileTarget {
  std::vector<std::string> command;  ///< kda-runner argv answering the recorded requests
  std::string workload;              ///< the chosen workload's uuid
  std::string solution_hash;
  std::filesystem::path library;
};

/// The short names (no namespace, template arguments or parameters) of every kernel kda-runner
/// itself can launch: the launch gate, the flush's read sweep, the FMA probe. A test reads the
/// runner's sources and fails when one of its __global__ functions is missing here.
const std::vector<std::string>& runner_own_kernels();

/// The public workload `kda profile run --task` and the loop profile when none is named: the
/// largest, by the product of its axis values (ties: the first in workloads.jsonl).
const Workload& representative_workload(const TaskDir& task);

/// Writes requests into `work_dir`. Throws kda::Error: kInput for a build failure (with the
/// compiler's diagnostics) or a hidden workload, kNotFound for an unknown workload uuid.
ProfileTarget prepare_profile_target(const TaskDir& task, const Solution& solution,
                                     const ProfileTargetOptions& opt, const std::filesystem::path& work_dir);

}  // namespace kda
