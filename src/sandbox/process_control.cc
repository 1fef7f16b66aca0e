// Spawning untrusted children and making sure nothing they start outlives them (see child.h).
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "sandbox/child.h"

namespace kda {

void become_subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

namespace {

// Parent pid from /proc/PID/stat; the command name may hold spaces and parentheses, so parse
// after the last ')'.
pid_t parent_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  if (!std::getline(in, s)) return -1;
  auto close = s.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(s.substr(close + 2));
  char state;
  pid_t ppid = -1;
  rest >> state >> ppid;
  return ppid;
}

}  // namespace

int kill_orphaned_descendants(const std::vector<pid_t>& keep) {
  const pid_t self = ::getpid();
  int killed = 0;
  // Killing one may re-parent its own children to us: repeat until a pass finds none.
  for (int pass = 0; pass < 16; ++pass) {
    std::vector<pid_t> found;
    if (DIR* d = ::opendir("/proc")) {
      while (dirent* e = ::readdir(d)) {
        char* end = nullptr;
        long pid = std::strtol(e->d_name, &end, 10);
        if (!end || *end || pid <= 0) continue;
        if (std::find(keep.begin(), keep.end(), static_cast<pid_t>(pid)) != keep.end()) continue;
        if (parent_of(static_cast<pid_t>(pid)) == self) found.push_back(static_cast<pid_t>(pid));
      }
      ::closedir(d);
    }
    if (found.empty()) break;
    for (pid_t p : found) {
      ::kill(p, SIGKILL);
      ::waitpid(p, nullptr, 0);
      ++killed;
    }
  }
  return killed;
}

Child& Child::operator=(Child&& o) noexcept {
  if (this != &o) {
    kill_all();
    pid_ = o.pid_;
    status_ = o.status_;
    o.pid_ = -1;
  }
  return *this;
}

Child::~Child() { kill_all(); }

bool Child::running() {
  if (pid_ < 0 || status_) return false;
  int st = 0;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) status_ = st;
  return !status_;
}

void Child::kill_all() {
  if (pid_ < 0) return;
  ::kill(-pid_, SIGKILL);  // the whole process group
  if (!status_) {
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    status_ = st;
  }
}

bool Child::wait(std::chrono::milliseconds timeout) {
  if (pid_ < 0) return true;
  if (status_) return true;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  while (true) {
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = st;
      break;
    }
    if (timeout.count() >= 0 && std::chrono::steady_clock::now() >= deadline) break;
    if (pidfd >= 0) {
      auto left = timeout.count() < 0 ? 1000
                                      : std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      pollfd p{pidfd, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(left, 1000))));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  return status_.has_value();
}

std::optional<int> Child::exit_code() const {
  if (!status_ || !WIFEXITED(*status_)) return std::nullopt;
  return WEXITSTATUS(*status_);
}

std::optional<int> Child::term_signal() const {
  if (!status_ || !WIFSIGNALED(*status_)) return std::nullopt;
  return WTERMSIG(*status_);
}

std::string Child::describe() const {
  if (!status_) return "still running";
  if (auto c = exit_code()) return "exit " + std::to_string(*c);
  int sig = term_signal().value_or(0);
  std::string s = std::string("killed by ") + (sigabbrev_np(sig) ? std::string("SIG") + sigabbrev_np(sig) : std::to_string(sig));
  if (sig == SIGSYS) s += " (sandbox violation: forbidden system call)";
  return s;
}

namespace {

// Everything the child needs, prepared by the parent: after vfork() the child shares the
// parent's memory, so it may only make system calls — no allocation, no exceptions.
struct ExecPlan {
  const int* pass_fds;
  size_t pass_count;
  int stdout_fd;
  const char* cwd;  ///< nullptr: stay
  char* const* argv;
  char* const* envp;
};

[[noreturn]] void exec_child(const ExecPlan& x) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // if the judge dies, its runners die with it
  // Move passed fds out of the way first so that dup2 into 3.. cannot clobber one.
  int moved[16];
  for (size_t i = 0; i < x.pass_count; ++i) moved[i] = ::fcntl(x.pass_fds[i], F_DUPFD_CLOEXEC, 100);
  int devnull = ::open("/dev/null", O_RDWR);
  ::dup2(devnull, 0);
  int out = x.stdout_fd >= 0 ? x.stdout_fd : devnull;
  ::dup2(out, 1);
  ::dup2(out, 2);
  for (size_t i = 0; i < x.pass_count; ++i) ::dup2(moved[i], static_cast<int>(3 + i));
  int first_closed = static_cast<int>(3 + x.pass_count);
  if (syscall(SYS_close_range, first_closed, ~0U, 0) != 0)
    for (int fd = first_closed; fd < 4096; ++fd) ::close(fd);
  if (x.cwd && ::chdir(x.cwd) != 0) _exit(126);
  ::execve(x.argv[0], x.argv, x.envp);
  _exit(127);
}

}  // namespace

Child spawn_child(const ChildSpec& spec) {
  if (spec.argv.empty()) fail(ErrorKind::kInternal, "spawn_child: empty argv");
  if (spec.pass_fds.size() > 16) fail(ErrorKind::kInternal, "spawn_child: too many descriptors to pass");
  std::vector<std::string> env_strings;
  for (auto& [k, v] : spec.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  std::vector<std::string> args = spec.argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string cwd = spec.cwd.string();
  const ExecPlan plan{spec.pass_fds.data(), spec.pass_fds.size(), spec.stdout_fd, cwd.empty() ? nullptr : cwd.c_str(),
                      argv.data(), envp.data()};

  // vfork, not fork: the judge holds hundreds of megabytes of input sets, and fork() would copy
  // their page tables and mark every page copy-on-write, so that the judge then takes a fault
  // per page it writes (tens of milliseconds per runner). The parent waits until the exec.
  pid_t pid = ::vfork();
  if (pid < 0) fail(ErrorKind::kEnvironment, std::string("vfork: ") + strerror(errno));
  if (pid == 0) exec_child(plan);
  ::setpgid(pid, pid);  // already done by the child; fails harmlessly after its exec
  return Child(pid);
}

}  // namespace kda
