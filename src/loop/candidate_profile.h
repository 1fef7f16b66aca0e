// candidate_profile: one candidate of a task profiled with Nsight Compute on one public workload,
// shared by `kda profile run --task` and the loop's PROFILE step. Procedure:
//   1. prepare the target (eval/profile_target.h): build, fresh inputs for the representative
//      public workload (or the one named), the recorded requests of one kda-runner;
//   2. ncu wraps that runner (profile/ncu_runner.h) with a launch count and a timeout, so the
//      cost is bounded; the pages are exported into OUT;
//   3. the pages are analyzed (a page that cannot be read is a warning), the runner's own
//      kernels (runner_own_kernels) are left out, and diagnosis.json / diagnosis.md written.
// The profiler is the Runner passed in: the real one runs ncu; profile::ReplayRunner serves
// recorded pages, so CI runs the whole path without a GPU.
#pragma once

#include <filesystem>
#include <string>

#include "eval/profile_target.h"
#include "profile/model.h"

namespace kda::profile {
class Runner;
}

namespace kda::loop {

struct CandidateProfileOptions {
  ProfileTargetOptions target;
  std::string ncu = "ncu";        ///< the ncu executable
  bool clock_control_none = false;
  int launch_count = 0;           ///< most launches profiled (0: all)
  int timeout_s = 600;            ///< ncu is stopped after this
  std::string kernel_regex;
};

struct CandidateProfile {
  std::string workload;      ///< the profiled workload's uuid
  std::string solution_hash;
  double seconds = 0;        ///< preparing, profiling and analyzing, wall clock
  profile::Report report;    ///< the candidate's kernels, with warnings and what was left out
};

/// Profiles `solution` of `task` into `out` (created). Throws kda::Error as prepare_profile_target
/// and run_profile do (kInput: build failure, hidden workload; kEnvironment: ncu missing or failing).
CandidateProfile profile_candidate(const TaskDir& task, const Solution& solution, const CandidateProfileOptions& opt,
                                   const std::filesystem::path& out, profile::Runner& runner);

}  // namespace kda::loop
