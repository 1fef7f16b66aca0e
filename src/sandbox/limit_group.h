// Caps on a runner's threads and memory that no candidate can lift (issue 14 §4): a control group
// per runner, made by the judge before the runner starts and joined by the runner itself before it
// loads any candidate code. Where the kernel offers a writable cgroup v2 hierarchy with the pids
// and memory controllers, or the v1 pids and memory hierarchies (as on this container), the caps
// are the kernel's own: `pids.max` refuses the thread past the cap (threads are tasks), and
// `memory.max` / `memory.limit_in_bytes` OOM-kills the group. RLIMIT_NPROC is no substitute when
// kda runs as root: the kernel does not enforce it for uid 0. Where no cgroup can be made, the
// judge falls back to counting the runner's threads after every request and the runner to
// RLIMIT_AS on the CPU backend (docs/sandbox.md, "Limits").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace kda {

struct RunnerLimits {
  uint64_t max_tasks = 0;      ///< threads + processes of the runner; 0 = default_runner_limits()
  uint64_t memory_bytes = 0;   ///< resident memory of the runner's group; 0 = none
  uint64_t scratch_bytes = 0;  ///< bytes under the runner's scratch directory; 0 = none
};

/// max(512, 4 x CPUs) tasks, half the machine's memory, 1 GiB of scratch.
RunnerLimits default_runner_limits();

class LimitGroup {
 public:
  /// A new group with these caps, or nullptr (and `why_not` says why) where none can be made.
  static std::unique_ptr<LimitGroup> create(const RunnerLimits& limits, std::string* why_not);
  ~LimitGroup();  ///< kills what is left in it and removes it
  LimitGroup(const LimitGroup&) = delete;
  LimitGroup& operator=(const LimitGroup&) = delete;

  /// The cgroup.procs files a process writes "0" into to join (one per v1 hierarchy).
  const std::vector<std::string>& join_files() const { return join_; }
  /// "thread_limit" or "memory_limit" once the group hit that cap, else "".
  std::string exceeded() const;
  std::string describe(const std::string& reason_code) const;  ///< the cap in words
  bool caps_memory() const { return !memory_dir_.empty(); }

 private:
  LimitGroup() = default;
  RunnerLimits limits_;
  bool v2_ = false;
  std::string pids_dir_, memory_dir_;  ///< the same directory on v2
  std::vector<std::string> join_;
};

/// Joins the groups by writing "0" to each file (the runner, before it loads candidate code).
/// Returns an error in words, or "" on success.
std::string join_limit_group(const std::vector<std::string>& join_files);

/// Threads of a live process (from /proc/PID/status), or -1.
long thread_count(int pid);

/// Bytes of the regular files under `dir` (not following symlinks).
uint64_t directory_bytes(const std::string& dir);

}  // namespace kda
