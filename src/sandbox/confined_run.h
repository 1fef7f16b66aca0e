// Running a trusted program (a compiler) on untrusted input inside a confinement of its own
// (issue 14 §1): a supervisor process, forked from the caller, leads its own process group, is a
// child subreaper, dies-with-parent (PR_SET_PDEATHSIG), confines itself with apply_sandbox() and
// then starts the program. Whatever ends the run — the program exiting, the wall-clock limit,
// the caller's Ctrl-C, SIGTERM or SIGKILL — the supervisor kills the program's process group
// and every descendant re-parented to it before it exits, so no cc1plus outlives kda.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sandbox/sandbox.h"

namespace kda {

struct ConfinedSpec {
  std::vector<std::string> argv;           ///< argv[0] is looked up in env's PATH
  std::map<std::string, std::string> env;  ///< the complete environment (nothing inherited)
  std::filesystem::path cwd;
  SandboxPolicy policy;                    ///< applied by the supervisor (allow_exec set)
  bool confine = true;                     ///< false: no sandbox (the kernel lacks it)
  std::chrono::milliseconds timeout{600000};
  size_t max_output = 1 << 20;             ///< bytes of stdout+stderr kept; the rest is dropped
};

struct ConfinedResult {
  int exit_code = -1;  ///< valid when !signal && !timed_out
  int signal = 0;
  bool timed_out = false;
  bool spawn_failed = false;  ///< program not found, or the confinement could not be applied
  std::string output;         ///< stdout and stderr, interleaved as written
  double wall_seconds = 0;
  bool ok() const { return !timed_out && !spawn_failed && signal == 0 && exit_code == 0; }
};

ConfinedResult run_confined(const ConfinedSpec& spec);

}  // namespace kda
