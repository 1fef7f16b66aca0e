#include "core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "core/error.h"

extern char** environ;

namespace kda {
namespace fs = std::filesystem;

std::string ProcessResult::describe() const {
  if (spawn_failed) return "could not be started (not found or not executable)";
  if (timed_out) {
    std::ostringstream s;
    s.precision(1);
    s << std::fixed << "timed out after " << wall_seconds << " s";
    return s.str();
  }
  if (signal != 0) return std::string("killed by ") + strsignal(signal);
  return "exit " + std::to_string(exit_code);
}

std::optional<fs::path> find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) == 0) return fs::path(name);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::stringstream ss(p);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    fs::path cand = fs::path(dir) / name;
    if (::access(cand.c_str(), X_OK) == 0 && !fs::is_directory(cand)) return cand;
  }
  return std::nullopt;
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

std::vector<std::string> environment_with(const std::map<std::string, std::string>& set) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos && set.count(kv.substr(0, eq))) continue;
    env.push_back(kv);
  }
  for (auto& [k, v] : set) env.push_back(k + "=" + v);
  return env;
}

ProcessResult run_process(const ProcessSpec& spec) {
  ProcessResult result;
  if (spec.argv.empty()) fail(ErrorKind::kInternal, "run_process: empty argv");
  auto exe = find_program(spec.argv[0]);
  if (!exe) {
    result.spawn_failed = true;
    return result;
  }
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) || ::pipe2(out_pipe, O_CLOEXEC) || ::pipe2(err_pipe, O_CLOEXEC))
    fail(ErrorKind::kEnvironment, std::string("pipe: ") + strerror(errno));

  std::vector<std::string> env = environment_with(spec.env_set);
  std::vector<char*> envp, argv;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid < 0) fail(ErrorKind::kEnvironment, std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) _exit(127);
    ::execve(exe->c_str(), argv.data(), envp.data());
    _exit(127);
  }
  ::setpgid(pid, pid);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  if (spec.stdin_data) {
    // Small inputs only (prompts, scripts); a child that does not read would block us, so
    // write non-blockingly and give up on what does not fit.
    ::fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
    size_t done = 0;
    const std::string& d = *spec.stdin_data;
    while (done < d.size()) {
      ssize_t n = ::write(in_pipe[1], d.data() + done, d.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) {
        pollfd p{in_pipe[1], POLLOUT, 0};
        if (::poll(&p, 1, 1000) <= 0) break;
        continue;
      }
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
  }
  ::close(in_pipe[1]);

  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_streams = 2;
  char buf[65536];
  while (open_streams > 0) {
    int wait_ms = -1;
    if (spec.timeout.count() > 0) {
      double left = spec.timeout.count() / 1000.0 - seconds_since(t0);
      if (left <= 0) {
        result.timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(left * 1000) + 1;
    }
    int r = ::poll(fds, 2, wait_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) continue;  // loop re-checks the deadline
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_streams;
        continue;
      }
      if (sinks[i]->size() < spec.max_output)
        sinks[i]->append(buf, std::min<size_t>(static_cast<size_t>(n), spec.max_output - sinks[i]->size()));
    }
  }
  if (result.timed_out) ::kill(-pid, SIGKILL);
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::kill(-pid, SIGKILL);  // descendants that outlived their parent in its group
  result.wall_seconds = seconds_since(t0);
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  if (result.timed_out) result.signal = 0;
  return result;
}

}  // namespace kda
