#include "core/subprocess.h"

#include <gtest/gtest.h>

namespace kda {

TEST(Subprocess, CapturesOutputAndExitCode) {
  auto r = run_process({.argv = {"sh", "-c", "echo out; echo err >&2; exit 3"}});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_FALSE(r.ok());
}

TEST(Subprocess, TimeoutKillsTheWholeGroup) {
  auto r = run_process({.argv = {"sh", "-c", "sleep 30 & sleep 30"},
                        .timeout = std::chrono::milliseconds(300)});
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(r.wall_seconds, 5.0);
}

TEST(Subprocess, MissingProgramIsReportedNotThrown) {
  auto r = run_process({.argv = {"kda-no-such-program-xyz"}});
  EXPECT_TRUE(r.spawn_failed);
  EXPECT_NE(r.describe().find("not found"), std::string::npos);
}

TEST(Subprocess, StdinIsDelivered) {
  auto r = run_process({.argv = {"cat"}, .stdin_data = std::string("hello")});
  EXPECT_EQ(r.out, "hello");
}

}  // namespace kda
