#include "eval/shared_region.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

namespace kda {

TEST(SharedRegion, BothSidesSeeTheSameBytesAndTheRegionGrows) {
  SharedRegion judge = SharedRegion::create();
  ASSERT_TRUE(judge.reserve(1 << 20));
  std::memset(judge.data(), 7, 1 << 20);
  SharedRegion runner = SharedRegion::adopt(::fcntl(judge.fd(), F_DUPFD_CLOEXEC, 0));
  EXPECT_FALSE(runner.map((1 << 20) + 1));  // more than the judge reserved
  ASSERT_TRUE(runner.map(1 << 20));
  EXPECT_EQ(runner.data()[12345], 7);
  runner.data()[99] = 42;
  EXPECT_EQ(judge.data()[99], 42);
  ASSERT_TRUE(judge.reserve(4 << 20));  // grows, keeps the contents
  EXPECT_EQ(judge.data()[99], 42);
  ASSERT_TRUE(runner.map(4 << 20));
  judge.data()[(4 << 20) - 1] = 5;
  EXPECT_EQ(runner.data()[(4 << 20) - 1], 5);
}

TEST(SharedRegion, TheRunnerCannotShrinkItOrAddSeals) {
  SharedRegion judge = SharedRegion::create();
  ASSERT_TRUE(judge.reserve(1 << 16));
  int fd = ::fcntl(judge.fd(), F_DUPFD_CLOEXEC, 0);
  // Shrinking would make the judge's reads fault (SIGBUS); sealing writes would stop it growing.
  EXPECT_NE(::ftruncate(fd, 0), 0);
  EXPECT_NE(::fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), 0);
  EXPECT_NE(::fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), 0);
  // Growing it is harmless: the judge maps only what it reserved, and only ever grows.
  EXPECT_EQ(::ftruncate(fd, 1 << 24), 0);
  EXPECT_TRUE(judge.reserve(1 << 20));
  judge.data()[(1 << 20) - 1] = 1;
  ::close(fd);
}

}  // namespace kda
