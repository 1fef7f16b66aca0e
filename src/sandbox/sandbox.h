// Confinement of untrusted candidate code (DESIGN §4). kda-runner initialises the device, calls
// apply_sandbox() on itself, loads the candidate library, then seal_exec_mappings(): Landlock (filesystem
// allow-list, scoped signals and abstract sockets where the ABI has them), seccomp (kills the
// process on ptrace, process_vm_*, process creation, execve, new executable mappings and signals
// outside its process; refuses non-Unix sockets), no_new_privs and rlimits. Irreversible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace kda {

struct SandboxPolicy {
  std::vector<std::filesystem::path> read_only;   ///< read + execute
  std::vector<std::filesystem::path> read_write;  ///< e.g. /dev for GPU ioctls
  std::filesystem::path scratch;                  ///< full access (may be empty)
  uint64_t cpu_seconds = 0;       ///< RLIMIT_CPU; 0 = unchanged
  uint64_t address_space = 0;     ///< RLIMIT_AS bytes; 0 = unchanged (CUDA needs a huge VA)
  uint64_t file_size = 64 << 20;  ///< RLIMIT_FSIZE
  uint64_t open_files = 256;      ///< RLIMIT_NOFILE
  bool forbid_process_creation = true;  ///< fork/vfork/clone without CLONE_THREAD -> SIGSYS
  bool forbid_exec_mappings = true;     ///< mmap/mprotect with PROT_EXEC -> SIGSYS
  /// Only Landlock's filesystem rules, rlimits and no_new_privs: no seccomp filter, network
  /// and signals untouched. For agents (a read-only verifier that is a model CLI needs the
  /// network and its own child processes), never for candidate code.
  bool filesystem_only = false;
  /// For a trusted toolchain run on untrusted input (a compiler on a candidate's sources):
  /// execve and child processes stay allowed, and signals are left to Landlock's scoping (a
  /// supervisor kills its own descendants; ABI >= 6 keeps them from signalling anything outside),
  /// while network sockets, ptrace, namespaces, bpf and the rest stay refused. Implies
  /// forbid_process_creation = forbid_exec_mappings = false.
  bool allow_exec = false;
};

/// The default policy for a runner: system dirs read-only, /dev read-write, scratch private.
SandboxPolicy default_runner_policy(const std::filesystem::path& scratch);

struct SandboxStatus {
  int landlock_abi = 0;  ///< 0 = Landlock unavailable
  bool landlock_applied = false;
  bool seccomp_applied = false;
  bool no_new_privs = false;
  std::vector<std::string> warnings;  ///< what could not be enforced, in words
  bool complete() const { return landlock_applied && seccomp_applied && no_new_privs; }
};

/// What this kernel supports, without changing anything (for `--require-sandbox` and warnings).
SandboxStatus probe_sandbox();

/// Applies the policy to the calling process. Returns what was enforced; never throws for a
/// missing kernel feature (the caller decides via `complete()`), throws kda::Error(kEnvironment)
/// when a present feature fails to apply.
SandboxStatus apply_sandbox(const SandboxPolicy& policy);

/// Adds a second seccomp filter that kills the process on new executable mappings. A runner
/// applies the sandbox with forbid_exec_mappings = false, loads the candidate library (whose
/// static constructors thus already run confined), then seals. Records a warning in `st` where
/// seccomp is unavailable; throws kda::Error(kEnvironment) when it fails to apply.
void seal_exec_mappings(SandboxStatus& st);

}  // namespace kda
