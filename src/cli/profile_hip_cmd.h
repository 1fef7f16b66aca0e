// `kda profile run --backend hip`: AMD's profilers (rocprofv3, and rocprof-compute where it is
// installed; profile/rocprof_runner.h) around a command, or around one kda-runner process that
// runs a task's candidate (eval/profile_target.h), then the same analysis as `kda profile
// analyze`. Kept apart from profile_cmd.cc, whose Nsight Compute path it does not touch.
#pragma once

#include <string>
#include <vector>

namespace kda::cli {

struct HipProfileArgs {
  std::vector<std::string> command;  ///< the program to profile, or empty with `task`
  std::string task, solution, workload, arch;
  int calls = 3;
  std::string out = "kda-profile";
  std::string kernel;  ///< regex of the kernels to profile
  int timeout = 600;
  bool json = false;
};

/// Profiles, writes OUT/diagnosis.{json,md}, prints the report. Throws kda::Error.
void run_hip_profile(const HipProfileArgs& a);

}  // namespace kda::cli
