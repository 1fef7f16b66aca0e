// Waiting for an agent's process with a deadline: past it, the agent's whole process group is
// killed (SIGKILL) and reaped, so nothing it started outlives its round.
#pragma once

#include <sys/types.h>

#include <chrono>

namespace kda::agents {

struct Waited {
  int status = 0;          ///< the waitpid status (valid when !timed_out)
  bool timed_out = false;
};

/// `pid` leads its own process group (setpgid(0, 0) in the child).
Waited wait_or_kill_group(pid_t pid, std::chrono::steady_clock::time_point deadline);

/// The exit code of a waitpid status, 128 + signal when killed.
int exit_code_of(int status);

}  // namespace kda::agents
