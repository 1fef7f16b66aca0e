#include "agents/wait_group.h"

#include <signal.h>
#include <sys/wait.h>

#include <thread>

namespace kda::agents {

Waited wait_or_kill_group(pid_t pid, std::chrono::steady_clock::time_point deadline) {
  Waited w;
  while (::waitpid(pid, &w.status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &w.status, 0);
      w.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid, SIGKILL);  // helpers the agent left behind in its group
  return w;
}

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace kda::agents
