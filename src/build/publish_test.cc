#include "build/publish.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "core/fs.h"

namespace kda::build_detail {
namespace {
namespace fs = std::filesystem;

TEST(Publish, ABuildAppearsWholeAndASecondPublisherOfTheSameKeyLeavesNothingBehind) {
  TempDir dir("kda-publish");
  const fs::path lib = dir.path() / "built.so";
  write_file_atomic(lib, "first");
  ASSERT_TRUE(publish_build(dir.path() / "cache", "k1", {{lib, "libsolution.so"}}, "log one", "g++ 12"));
  EXPECT_EQ(read_file(dir.path() / "cache/k1/libsolution.so"), "first");
  EXPECT_EQ(read_file(dir.path() / "cache/k1/build.log"), "log one");
  EXPECT_EQ(read_file(dir.path() / "cache/k1/ok"), "g++ 12\n");
  // Eight threads of one process publish the same key at once (a tuner's parallel builds): the
  // first build stands, every call reports it, and no temporary directory is left.
  write_file_atomic(lib, "second");
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] { EXPECT_TRUE(publish_build(dir.path() / "cache", "k2", {{lib, "x.so"}}, "", "t")); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(read_file(dir.path() / "cache/k2/x.so"), "second");
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path() / "cache")) {
    ++entries;
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
  EXPECT_EQ(entries, 2u);
}

TEST(Publish, TemporariesOfDeadPublishersAreRemovedAndThoseOfLiveOnesKept) {
  TempDir dir("kda-publish-stale");
  pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  waitpid(child, nullptr, 0);  // a pid that no longer runs
  const fs::path dead = dir.path() / ("k.tmp." + std::to_string(child) + "-0");
  const fs::path live = dir.path() / ("k.tmp." + std::to_string(::getpid()) + "-3");
  const fs::path other = dir.path() / "k.tmp.notapid";
  for (const fs::path& p : {dead, live, other}) fs::create_directories(p);
  remove_stale_temporaries(dir.path());
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(other));
}

TEST(Publish, ReadableLogStripsBuildDirectoriesHidesForeignFilesAndKeepsTheEndWhenAsked) {
  const std::string out =
      "/tmp/stage/x/main.cu(3): error: identifier \"foo\" is undefined\n"
      "/etc/secret.h:1:1: error: 'password123' does not name a type\n";
  const std::string log = readable_log(out, {"/tmp/stage/x"}, {"main.cu"}, {"/usr/include"});
  EXPECT_NE(log.find("main.cu(3): error: identifier \"foo\""), std::string::npos) << log;
  EXPECT_EQ(log.find("/tmp/stage/x"), std::string::npos) << log;
  EXPECT_EQ(log.find("password123"), std::string::npos) << log;
  const std::string tail = readable_log(std::string(5000, 'a') + "\nthe error is last\n", {}, {}, {}, true);
  EXPECT_NE(tail.find("the error is last"), std::string::npos);
  EXPECT_LT(tail.size(), 4100u);
  const std::string head = readable_log("the first line\n" + std::string(5000, 'a'), {}, {}, {});
  EXPECT_EQ(head.rfind("the first line", 0), 0u);
}

}  // namespace
}  // namespace kda::build_detail
