// The sandbox, for real: a probe process confines itself with the runner's policy and tries one
// thing; the test checks the kernel's answer. Skipped (reported as such) where the kernel lacks
// Landlock or seccomp.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fcntl.h>

#include <thread>

#include "core/fs.h"
#include "sandbox/child.h"
#include "sandbox/sandbox.h"

namespace kda {
namespace fs = std::filesystem;

namespace {

struct Outcome {
  std::optional<int> code;
  std::optional<int> signal;
  std::string out;
  std::string describe;
};

Outcome probe(const fs::path& scratch, const std::string& action, const std::string& path = "",
              std::vector<int> pass = {}) {
  TempDir logdir("kda-probe-log");
  fs::path log = logdir.path() / "out";
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ChildSpec spec;
  spec.argv = {KDA_SANDBOX_PROBE, scratch.string(), action, path};
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  spec.stdout_fd = fd;
  spec.pass_fds = pass;
  Child c = spawn_child(spec);
  ::close(fd);
  EXPECT_TRUE(c.wait(std::chrono::seconds(20)));
  return {c.exit_code(), c.term_signal(), read_file(log), c.describe()};
}

class Sandbox : public ::testing::Test {
 protected:
  void SetUp() override {
    SandboxStatus st = probe_sandbox();
    if (st.landlock_abi == 0 || !st.seccomp_applied) GTEST_SKIP() << "kernel lacks Landlock or seccomp";
  }
  TempDir scratch{"kda-scratch-test"};
  TempDir outside{"kda-outside-test"};
};

}  // namespace

TEST_F(Sandbox, ScratchIsWritableOutsideIsNot) {
  EXPECT_EQ(probe(scratch.path(), "write", (scratch.path() / "f").string()).code, 0);
  write_file_atomic(outside.path() / "secret", "expected outputs");
  auto r = probe(scratch.path(), "read", (outside.path() / "secret").string());
  EXPECT_EQ(r.code, 10) << r.out;
  EXPECT_EQ(probe(scratch.path(), "write", (outside.path() / "forged").string()).code, 10);
  EXPECT_FALSE(fs::exists(outside.path() / "forged"));
  EXPECT_EQ(probe(scratch.path(), "write", "/etc/kda-sandbox-test").code, 10);
  EXPECT_EQ(probe(scratch.path(), "read", "/etc/hostname").code, 0);  // system files stay readable
}

TEST_F(Sandbox, NoNetworkButUnixSockets) {
  EXPECT_EQ(probe(scratch.path(), "tcp").code, 10);
  EXPECT_EQ(probe(scratch.path(), "unix").code, 0);
}

TEST_F(Sandbox, ForbiddenCallsKillTheProcessWithSigsys) {
  for (const char* action : {"fork", "ptrace", "exec", "mprotect-exec"}) {
    auto r = probe(scratch.path(), action);
    EXPECT_EQ(r.signal, SIGSYS) << action << ": " << r.out;
    EXPECT_EQ(r.describe, "killed by SIGSYS (sandbox violation: forbidden system call)");
  }
}

TEST_F(Sandbox, SignalsToOtherProcessesAreRefused) {
  auto r = probe(scratch.path(), "kill-parent");
  EXPECT_EQ(r.code, 10) << r.out;
}

TEST_F(Sandbox, ThreadsStillWork) { EXPECT_EQ(probe(scratch.path(), "threads").code, 0); }

TEST(Child, OnlyListedFdsAreInherited) {
  TempDir d("kda-fd-test");
  int keep = ::open((d.path() / "a").c_str(), O_WRONLY | O_CREAT, 0600);
  int leak = ::open((d.path() / "b").c_str(), O_WRONLY | O_CREAT, 0600);  // not passed
  auto r = probe(d.path(), "list-fds", "", {keep});
  ::close(keep);
  ::close(leak);
  // 0, 1, 2, the passed fd as 3, and the fd opendir uses.
  int n = 0;
  for (char c : r.out) n += c == '\n';
  EXPECT_LE(n, 5) << r.out;
  EXPECT_NE(r.out.find("3\n"), std::string::npos) << r.out;
}

TEST(Child, DaemonisedGrandchildIsKilledThroughTheSubreaper) {
  become_subreaper();
  TempDir d("kda-reaper-test");
  fs::path pidfile = d.path() / "pid";
  ChildSpec spec;
  // The child double-forks a grandchild into its own session, records its pid, and exits.
  spec.argv = {"/bin/sh", "-c", "setsid sh -c 'echo $$ > " + pidfile.string() + "; exec sleep 60' & sleep 0.3; exit 0"};
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  Child c = spawn_child(spec);
  ASSERT_TRUE(c.wait(std::chrono::seconds(10)));
  c.kill_all();  // the grandchild left the group: this alone does not reach it
  for (int i = 0; i < 100 && !fs::exists(pidfile); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(fs::exists(pidfile));
  pid_t gc = std::stoi(read_file(pidfile));
  EXPECT_EQ(::kill(gc, 0), 0) << "the grandchild should still be alive here";
  EXPECT_GE(kill_orphaned_descendants(), 1);
  EXPECT_NE(::kill(gc, 0), 0) << "the grandchild survived";
}

TEST(Child, WaitTimesOutOnAHang) {
  ChildSpec spec;
  spec.argv = {"/bin/sleep", "30"};
  Child c = spawn_child(spec);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(c.wait(std::chrono::milliseconds(200)));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  c.kill_all();
  EXPECT_EQ(c.term_signal(), SIGKILL);
}

}  // namespace kda
