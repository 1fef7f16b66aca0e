// Running trusted helper programs (compilers, ncu, git): argv in, exit status and captured
// output out, with a wall-clock timeout that kills the whole process group. Untrusted
// candidate code never goes through here: see src/sandbox.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kda {

struct ProcessSpec {
  std::vector<std::string> argv;              ///< argv[0] is looked up in PATH
  std::filesystem::path cwd;                  ///< empty: inherit
  std::map<std::string, std::string> env_set; ///< added to (or overriding) the environment
  std::chrono::milliseconds timeout{0};       ///< 0: no limit
  std::optional<std::string> stdin_data;      ///< written to the child's stdin, then closed
  size_t max_output = 16 << 20;               ///< bytes kept per stream; the rest is dropped
};

struct ProcessResult {
  int exit_code = -1;  ///< valid when !signaled
  int signal = 0;      ///< terminating signal, 0 if it exited
  bool timed_out = false;
  bool spawn_failed = false;  ///< argv[0] not found / not executable
  std::string out;
  std::string err;
  double wall_seconds = 0;
  bool ok() const { return !timed_out && !spawn_failed && signal == 0 && exit_code == 0; }
  /// "exit 1", "killed by SIGSEGV", "timed out after 3.0 s", "not found".
  std::string describe() const;
};

ProcessResult run_process(const ProcessSpec& spec);

/// This process's environment ("KEY=VALUE" strings) with `set` added, each key once: a listed key
/// replaces the inherited value instead of standing beside it.
std::vector<std::string> environment_with(const std::map<std::string, std::string>& set);

/// First match of `name` in $PATH (or name itself if it contains '/' and is executable).
std::optional<std::filesystem::path> find_program(const std::string& name);

}  // namespace kda
