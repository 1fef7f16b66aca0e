// The supervisor of a confined toolchain run (see confined_run.h). After fork() the supervisor is
// a copy of a possibly multi-threaded caller with one thread; glibc makes malloc usable there,
// and apply_sandbox() needs little more.
#include "sandbox/confined_run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "core/error.h"
#include "sandbox/child.h"

namespace kda {
namespace fs = std::filesystem;

namespace {

// What the supervisor reports on its status pipe when the program is over.
struct Report {
  int kind;
  int value;
};
enum : int { kExited, kSignaled, kStopped, kConfineFailed };

volatile sig_atomic_t g_stop = 0;
volatile pid_t g_program = 0;

// SIGTERM (also the parent-death signal), SIGINT, SIGHUP: the program's group dies now; the
// supervisor then reaps, kills what escaped the group, and reports.
void on_stop(int sig) {
  g_stop = sig;
  if (pid_t p = g_program; p > 0) ::kill(-p, SIGKILL);
}

void report(int fd, Report r) {
  while (::write(fd, &r, sizeof r) < 0 && errno == EINTR) {
  }
}

struct Prepared {
  std::string exe;
  std::vector<std::string> args, env;
  std::vector<char*> argv, envp;
};

[[noreturn]] void supervise(const ConfinedSpec& spec, Prepared& x, pid_t parent, int out_fd, int status_fd) {
  ::setpgid(0, 0);
  struct sigaction sa {};
  sa.sa_handler = on_stop;  // no SA_RESTART: waitpid returns EINTR and the loop goes on
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) ::sigaction(sig, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) _exit(1);  // the caller died before the line above
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  int devnull = ::open("/dev/null", O_RDONLY);
  ::dup2(devnull, 0);
  ::dup2(out_fd, 1);
  ::dup2(out_fd, 2);
  ::dup2(status_fd, 3);
  ::fcntl(3, F_SETFD, FD_CLOEXEC);
  if (syscall(SYS_close_range, 4, ~0U, 0) != 0)
    for (int fd = 4; fd < 4096; ++fd) ::close(fd);
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) {
    std::fprintf(stderr, "kda: cannot enter %s: %s\n", spec.cwd.c_str(), strerror(errno));
    report(3, {kConfineFailed, errno});
    _exit(1);
  }
  if (spec.confine) {
    try {
      SandboxPolicy p = spec.policy;
      p.allow_exec = true;
      apply_sandbox(p);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kda: cannot confine the compiler: %s\n", e.what());
      report(3, {kConfineFailed, 0});
      _exit(1);
    }
  }
  pid_t c = ::fork();
  if (c == 0) {
    ::setpgid(0, 0);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE}) ::signal(sig, SIG_DFL);
    ::execve(x.exe.c_str(), x.argv.data(), x.envp.data());
    std::fprintf(stderr, "kda: cannot execute %s: %s\n", x.exe.c_str(), strerror(errno));
    _exit(127);
  }
  if (c < 0) {
    report(3, {kConfineFailed, errno});
    _exit(1);
  }
  ::setpgid(c, c);
  g_program = c;
  if (g_stop) ::kill(-c, SIGKILL);
  int status = 0;
  while (true) {
    int st = 0;
    pid_t r = ::waitpid(-1, &st, 0);
    if (r == c) {
      status = st;
      break;
    }
    if (r < 0 && errno == ECHILD) break;
  }
  ::kill(-c, SIGKILL);           // what the program left running in its group
  kill_orphaned_descendants();   // and what left the group (re-parented to this subreaper)
  if (g_stop) report(3, {kStopped, g_stop});
  else if (WIFSIGNALED(status)) report(3, {kSignaled, WTERMSIG(status)});
  else report(3, {kExited, WEXITSTATUS(status)});
  _exit(0);
}

std::string lookup(const std::string& name, const std::map<std::string, std::string>& env) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  auto it = env.find("PATH");
  std::stringstream ss(it == env.end() ? "/usr/local/bin:/usr/bin:/bin" : it->second);
  for (std::string dir; std::getline(ss, dir, ':');) {
    fs::path cand = fs::path(dir.empty() ? "." : dir) / name;
    std::error_code ec;
    if (::access(cand.c_str(), X_OK) == 0 && !fs::is_directory(cand, ec)) return cand.string();
  }
  return "";
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

ConfinedResult run_confined(const ConfinedSpec& spec) {
  ConfinedResult res;
  if (spec.argv.empty()) fail(ErrorKind::kInternal, "run_confined: empty argv");
  Prepared x;
  x.exe = lookup(spec.argv[0], spec.env);
  if (x.exe.empty()) {
    res.spawn_failed = true;
    res.output = spec.argv[0] + " was not found in PATH";
    return res;
  }
  x.args = spec.argv;
  for (auto& [k, v] : spec.env) x.env.push_back(k + "=" + v);
  for (auto& a : x.args) x.argv.push_back(a.data());
  x.argv.push_back(nullptr);
  for (auto& e : x.env) x.envp.push_back(e.data());
  x.envp.push_back(nullptr);

  int out[2], status[2];
  if (::pipe2(out, O_CLOEXEC) != 0) fail(ErrorKind::kEnvironment, std::string("pipe: ") + strerror(errno));
  if (::pipe2(status, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    fail(ErrorKind::kEnvironment, std::string("pipe: ") + strerror(errno));
  }
  const pid_t self = ::getpid();
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid < 0) fail(ErrorKind::kEnvironment, std::string("fork: ") + strerror(errno));
  if (pid == 0) supervise(spec, x, self, out[1], status[1]);
  ::setpgid(pid, pid);
  ::close(out[1]);
  ::close(status[1]);

  // Read until every holder of the output pipe is gone; past the deadline ask the supervisor to
  // stop (it kills the program's group), and if it does not within 10 s, kill it.
  auto deadline = t0 + spec.timeout;
  bool asked = false, forced = false;
  char buf[65536];
  while (true) {
    auto now = std::chrono::steady_clock::now();
    if (!asked && now >= deadline) {
      res.timed_out = asked = true;
      ::kill(pid, SIGTERM);
      deadline = now + std::chrono::seconds(10);
    } else if (asked && !forced && now >= deadline) {
      forced = true;
      ::kill(-pid, SIGKILL);
      deadline = now + std::chrono::seconds(3600);
    }
    int wait_ms = static_cast<int>(std::max<int64_t>(
        1, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1));
    pollfd p{out[0], POLLIN, 0};
    int r = ::poll(&p, 1, std::min(wait_ms, 1000));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) continue;
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (res.output.size() < spec.max_output)
      res.output.append(buf, std::min<size_t>(static_cast<size_t>(n), spec.max_output - res.output.size()));
  }
  ::close(out[0]);
  Report rep{-1, 0};
  ssize_t got = ::read(status[0], &rep, sizeof rep);
  ::close(status[0]);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  res.wall_seconds = seconds_since(t0);
  if (got != static_cast<ssize_t>(sizeof rep)) {
    res.signal = WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL;  // the supervisor itself died
  } else if (rep.kind == kExited) {
    res.exit_code = rep.value;
  } else if (rep.kind == kSignaled) {
    res.signal = rep.value;
  } else if (rep.kind == kConfineFailed) {
    res.spawn_failed = true;
  } else if (!res.timed_out) {
    res.signal = rep.value;  // stopped by a signal from outside
  }
  if (res.exit_code == 127 && res.output.find("kda: cannot execute") != std::string::npos) res.spawn_failed = true;
  return res;
}

}  // namespace kda
