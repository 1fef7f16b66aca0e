// kda_sandbox_probe SCRATCH ACTION [PATH]: applies the runner's sandbox policy to itself, then
// tries one action. Exit 0: the action succeeded; 10: the kernel refused it (errno printed);
// death by SIGSYS: seccomp killed it. Used by sandbox_test.cc.
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "sandbox/sandbox.h"

static int refused(const char* what) {
  std::printf("%s refused: %s\n", what, std::strerror(errno));
  return 10;
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  std::string scratch = argv[1], action = argv[2], path = argc > 3 ? argv[3] : "";
  if (action == "list-fds") {  // before the sandbox: which fds did we inherit?
    DIR* d = opendir("/proc/self/fd");
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') std::printf("%s\n", e->d_name);
    return 0;
  }
  kda::SandboxStatus st = kda::apply_sandbox(kda::default_runner_policy(scratch));
  if (!st.complete()) return 3;
  if (action == "read") {
    int fd = open(path.c_str(), O_RDONLY);
    return fd < 0 ? refused("read") : 0;
  }
  if (action == "write") {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return refused("write");
    return write(fd, "x", 1) == 1 ? 0 : refused("write");
  }
  if (action == "tcp") {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    return s < 0 ? refused("socket") : 0;
  }
  if (action == "unix") {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    return s < 0 ? refused("socket") : 0;
  }
  if (action == "fork") {
    pid_t p = fork();
    if (p == 0) _exit(0);
    return p < 0 ? refused("fork") : 0;
  }
  if (action == "ptrace") return ptrace(PTRACE_ATTACH, getppid(), nullptr, nullptr) < 0 ? refused("ptrace") : 0;
  if (action == "kill-parent") return kill(getppid(), SIGTERM) < 0 ? refused("kill") : 0;
  if (action == "exec") {
    char* args[] = {const_cast<char*>("/bin/true"), nullptr};
    execv("/bin/true", args);
    return refused("exec");
  }
  if (action == "mprotect-exec") {
    void* p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0 ? refused("mprotect") : 0;
  }
  if (action == "threads") {
    std::vector<std::thread> ts;
    std::vector<double> sums(4);
    for (int t = 0; t < 4; ++t)
      ts.emplace_back([&, t] {
        std::vector<double> v(1 << 16, t);
        for (double x : v) sums[t] += x;
      });
    for (auto& t : ts) t.join();
    return sums[3] == 3.0 * (1 << 16) ? 0 : 1;
  }
  return 2;
}
