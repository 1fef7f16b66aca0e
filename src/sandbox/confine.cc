// Landlock + seccomp + rlimits for kda-runner (see sandbox.h). Debian 12's UAPI headers predate
// Landlock ABI 4-7, so the newer constants (values from the kernel's UAPI) are defined here.
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "core/error.h"
#include "sandbox/sandbox.h"

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

namespace kda {
namespace fs = std::filesystem;

namespace {

// The ruleset attribute as of ABI 6; older kernels get a prefix of it (size tells the kernel).
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

constexpr uint64_t kRead = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
constexpr uint64_t kFileRights = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                                 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV;

int landlock_abi() {
  long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi < 0 ? 0 : static_cast<int>(abi);
}

uint64_t handled_fs(int abi) {
  uint64_t all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;  // ABI 1: bits 0..12
  if (abi >= 2) all |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) all |= LANDLOCK_ACCESS_FS_TRUNCATE;
  if (abi >= 5) all |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
  return all;
}

void add_path(int ruleset, const fs::path& p, uint64_t access, uint64_t handled) {
  std::error_code ec;
  if (p.empty() || !fs::exists(p, ec)) return;
  int fd = ::open(p.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) return;
  landlock_path_beneath_attr rule{};
  rule.allowed_access = access & handled & (fs::is_directory(p, ec) ? ~0ULL : kFileRights);
  rule.parent_fd = fd;
  long rc = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
  int err = errno;
  ::close(fd);
  if (rc != 0) fail(ErrorKind::kEnvironment, "landlock_add_rule(" + p.string() + "): " + strerror(err));
}

void apply_landlock(const SandboxPolicy& p, SandboxStatus& st) {
  const int abi = st.landlock_abi;
  RulesetAttr attr{handled_fs(abi), 0, 0};
  size_t size = sizeof(uint64_t);
  if (abi >= 4 && !p.filesystem_only) {
    attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
    size = 2 * sizeof(uint64_t);
  }
  if (abi >= 6 && !p.filesystem_only) {
    attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
    size = sizeof(RulesetAttr);
  }
  int ruleset = static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, size, 0));
  if (ruleset < 0) fail(ErrorKind::kEnvironment, std::string("landlock_create_ruleset: ") + strerror(errno));
  const uint64_t all = attr.handled_access_fs;
  const uint64_t rw = kRead | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV;
  for (const fs::path& d : p.read_only) add_path(ruleset, d, kRead, all);
  for (const fs::path& d : p.read_write) add_path(ruleset, d, rw, all);
  add_path(ruleset, p.scratch, all, all);
  long rc = syscall(SYS_landlock_restrict_self, ruleset, 0);
  int err = errno;
  ::close(ruleset);
  if (rc != 0) fail(ErrorKind::kEnvironment, std::string("landlock_restrict_self: ") + strerror(err));
  st.landlock_applied = true;
  if (p.filesystem_only) return;
  if (abi < 4) st.warnings.push_back("Landlock ABI " + std::to_string(abi) + " cannot restrict TCP; seccomp blocks network sockets instead");
  if (abi < 6) st.warnings.push_back("Landlock ABI " + std::to_string(abi) + " cannot scope signals; seccomp restricts kill() instead");
}

void rule(scmp_filter_ctx ctx, uint32_t action, int sys, unsigned n = 0, scmp_arg_cmp a = {}) {
  int rc = n ? seccomp_rule_add(ctx, action, sys, 1, a) : seccomp_rule_add(ctx, action, sys, 0);
  if (rc != 0 && rc != -EDOM && rc != -EFAULT)  // a syscall this architecture lacks is fine
    fail(ErrorKind::kEnvironment, "seccomp_rule_add(" + std::to_string(sys) + "): " + strerror(-rc));
}

void apply_seccomp(const SandboxPolicy& p, SandboxStatus& st) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) fail(ErrorKind::kEnvironment, "seccomp_init failed");
  const uint32_t kill = SCMP_ACT_KILL_PROCESS;
  if (!p.allow_exec) {
    rule(ctx, kill, SCMP_SYS(execve));
    rule(ctx, kill, SCMP_SYS(execveat));
  }
  for (int sys : {SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev), SCMP_SYS(personality),
                  SCMP_SYS(unshare), SCMP_SYS(setns), SCMP_SYS(mount),
                  SCMP_SYS(umount2), SCMP_SYS(pivot_root), SCMP_SYS(chroot), SCMP_SYS(bpf), SCMP_SYS(perf_event_open),
                  SCMP_SYS(keyctl), SCMP_SYS(add_key), SCMP_SYS(request_key), SCMP_SYS(userfaultfd),
                  SCMP_SYS(io_uring_setup), SCMP_SYS(kexec_load), SCMP_SYS(init_module), SCMP_SYS(finit_module),
                  SCMP_SYS(delete_module), SCMP_SYS(reboot), SCMP_SYS(swapon), SCMP_SYS(swapoff)})
    rule(ctx, kill, sys);
  if (p.forbid_process_creation && !p.allow_exec) {
    rule(ctx, kill, SCMP_SYS(fork));
    rule(ctx, kill, SCMP_SYS(vfork));
    // Threads (CLONE_THREAD) are fine; a new process is not. clone3 hides its flags in memory
    // that seccomp cannot read, so it answers ENOSYS and glibc falls back to clone.
    rule(ctx, kill, SCMP_SYS(clone), 1, SCMP_A0_64(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
    rule(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3));
  }
  if (p.forbid_exec_mappings && !p.allow_exec) {
    for (int sys : {SCMP_SYS(mmap), SCMP_SYS(mprotect)})
      rule(ctx, kill, sys, 1, SCMP_A2_64(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
    rule(ctx, kill, SCMP_SYS(pkey_mprotect), 1, SCMP_A2_64(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
  }
  // Signals only to itself (a toolchain's supervisor must reach its descendants: Landlock scopes
  // its signals instead).
  const pid_t self = ::getpid();
  const uint32_t deny = SCMP_ACT_ERRNO(EPERM);
  if (!p.allow_exec) {
    rule(ctx, deny, SCMP_SYS(kill), 1, SCMP_A0_32(SCMP_CMP_NE, static_cast<uint32_t>(self)));
    rule(ctx, deny, SCMP_SYS(tgkill), 1, SCMP_A0_32(SCMP_CMP_NE, static_cast<uint32_t>(self)));
    rule(ctx, deny, SCMP_SYS(rt_sigqueueinfo), 1, SCMP_A0_32(SCMP_CMP_NE, static_cast<uint32_t>(self)));
    rule(ctx, deny, SCMP_SYS(rt_tgsigqueueinfo), 1, SCMP_A0_32(SCMP_CMP_NE, static_cast<uint32_t>(self)));
    rule(ctx, deny, SCMP_SYS(tkill));
    rule(ctx, deny, SCMP_SYS(pidfd_send_signal));
  }
  // No network: only Unix-domain sockets.
  rule(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1, SCMP_A0_32(SCMP_CMP_NE, AF_UNIX));
  int rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc != 0) fail(ErrorKind::kEnvironment, std::string("seccomp_load: ") + strerror(-rc));
  st.seccomp_applied = true;
}

void apply_rlimits(const SandboxPolicy& p) {
  auto set = [](int res, uint64_t v) {
    rlimit r{static_cast<rlim_t>(v), static_cast<rlim_t>(v)};
    ::setrlimit(res, &r);
  };
  if (p.cpu_seconds) set(RLIMIT_CPU, p.cpu_seconds);
  if (p.address_space) set(RLIMIT_AS, p.address_space);
  if (p.file_size) set(RLIMIT_FSIZE, p.file_size);
  if (p.open_files) set(RLIMIT_NOFILE, p.open_files);
  set(RLIMIT_CORE, 0);
}

bool seccomp_available() {
  uint32_t action = SECCOMP_RET_KILL_PROCESS;
  return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

}  // namespace

SandboxPolicy default_runner_policy(const fs::path& scratch) {
  SandboxPolicy p;
  p.read_only = {"/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/opt", "/proc", "/sys"};
  p.read_write = {"/dev"};
  p.scratch = scratch;
  p.cpu_seconds = 3600;
  return p;
}

SandboxStatus probe_sandbox() {
  SandboxStatus st;
  st.landlock_abi = landlock_abi();
  st.seccomp_applied = seccomp_available();  // here: "available"
  st.no_new_privs = true;
  if (st.landlock_abi == 0)
    st.warnings.push_back("Landlock unavailable: kernel lacks it; filesystem isolation NOT enforced");
  else if (st.landlock_abi < 4)
    st.warnings.push_back("Landlock ABI " + std::to_string(st.landlock_abi) + ": TCP not restricted by Landlock (seccomp refuses non-Unix sockets)");
  if (st.landlock_abi > 0 && st.landlock_abi < 6)
    st.warnings.push_back("Landlock ABI " + std::to_string(st.landlock_abi) + ": signals and abstract Unix sockets not scoped (seccomp limits kill to self)");
  if (!st.seccomp_applied)
    st.warnings.push_back("seccomp unavailable: kernel lacks it; fork, exec, ptrace and network NOT blocked");
  return st;
}

SandboxStatus apply_sandbox(const SandboxPolicy& policy) {
  SandboxStatus st;
  st.landlock_abi = landlock_abi();
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    fail(ErrorKind::kEnvironment, std::string("PR_SET_NO_NEW_PRIVS: ") + strerror(errno));
  st.no_new_privs = true;
  apply_rlimits(policy);
  if (st.landlock_abi > 0) apply_landlock(policy, st);
  else st.warnings.push_back("Landlock unavailable: filesystem isolation NOT enforced");
  if (policy.filesystem_only) return st;
  if (seccomp_available()) apply_seccomp(policy, st);
  else st.warnings.push_back("seccomp unavailable: system-call filtering NOT enforced");
  return st;
}

void seal_exec_mappings(SandboxStatus& st) {
  if (!seccomp_available()) {
    st.warnings.push_back("seccomp unavailable: new executable mappings NOT blocked");
    return;
  }
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) fail(ErrorKind::kEnvironment, "seccomp_init failed");
  const uint32_t kill = SCMP_ACT_KILL_PROCESS;
  for (int sys : {SCMP_SYS(mmap), SCMP_SYS(mprotect), SCMP_SYS(pkey_mprotect)})
    rule(ctx, kill, sys, 1, SCMP_A2_64(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
  int rc = seccomp_load(ctx);
  seccomp_release(ctx);
  if (rc != 0) fail(ErrorKind::kEnvironment, std::string("seccomp_load (exec mappings): ") + strerror(-rc));
}

}  // namespace kda
