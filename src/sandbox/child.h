// Spawning and ending untrusted child processes so that nothing outlives them. The judge marks
// itself a child subreaper, so descendants that daemonise (setsid + double fork) are re-parented
// to it and can still be found and killed; each child starts its own process group.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kda {

/// PR_SET_CHILD_SUBREAPER on the calling process (idempotent).
void become_subreaper();

/// Kills (SIGKILL) and reaps every process whose parent is the calling process, except the
/// pids in `keep`. Returns how many were killed. Used after each runner ends.
int kill_orphaned_descendants(const std::vector<pid_t>& keep = {});

struct ChildSpec {
  std::vector<std::string> argv;  ///< argv[0] must be a path
  std::map<std::string, std::string> env;  ///< the complete environment (nothing inherited)
  std::filesystem::path cwd;
  /// Parent-side fds to pass; the i-th becomes fd 3+i in the child. All others are closed.
  std::vector<int> pass_fds;
  int stdout_fd = -1;  ///< child's stdout/stderr go here (-1: /dev/null)
};

class Child {
 public:
  Child() = default;
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(Child&& o) noexcept : pid_(o.pid_), status_(o.status_) { o.pid_ = -1; }
  Child& operator=(Child&& o) noexcept;
  ~Child();  ///< kills the whole process group if still running

  pid_t pid() const { return pid_; }
  bool running();
  /// SIGKILL to the child's process group, then reaps the child. Descendants that left the group
  /// are re-parented to the subreaper: kill_orphaned_descendants() ends them.
  void kill_all();
  /// Waits up to `timeout` (negative: forever). Returns true if it exited.
  bool wait(std::chrono::milliseconds timeout);
  /// After wait(): exit code or signal.
  std::optional<int> exit_code() const;
  std::optional<int> term_signal() const;
  std::string describe() const;  ///< "exit 0", "killed by SIGSYS (sandbox violation)", ...

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

/// fork + exec in a new process group with only the listed fds open. kEnvironment on failure.
Child spawn_child(const ChildSpec& spec);

}  // namespace kda
