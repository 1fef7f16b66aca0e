// A candidate made ready for an external profiler (`kda profile run --task`): the solution is
// built, one public workload's inputs are generated, and the RUN requests the judge would send
// are written to a file, so that the profiler wraps a single kda-runner process that loads the
// candidate and answers those requests on its own. No judge runs under the profiler, and hidden
// workloads are never used here: profiles are shown to agents.
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
  int calls = 3;                ///< RUN requests (cold caches before each)
  std::filesystem::path runner_exe;  ///< empty: locate_runner()
};

struct ProfileTarget {
  std::vector<std::string> command;  ///< kda-runner argv answering the recorded requests
  std::string workload;              ///< the chosen workload's uuid
  std::string solution_hash;
  std::filesystem::path library;
};

/// Writes requests into `work_dir`. Throws kda::Error: kInput for a build failure (with the
/// compiler's diagnostics) or a hidden workload, kNotFound for an unknown workload uuid.
ProfileTarget prepare_profile_target(const TaskDir& task, const Solution& solution,
                                     const ProfileTargetOptions& opt, const std::filesystem::path& work_dir);

}  // namespace kda
