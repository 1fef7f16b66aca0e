#include "eval/timing_rules.h"

#include <gtest/gtest.h>

namespace kda {
namespace {

using std::chrono::milliseconds;

TEST(CallTimeout, FollowsTheBaselineWithAFloorAndACeiling) {
  EXPECT_EQ(call_timeout_for(0.5, milliseconds(20000)), milliseconds(2010));    // a fast baseline: seconds
  EXPECT_EQ(call_timeout_for(100, milliseconds(20000)), milliseconds(4000));    // 2 s + 20 x 100 ms
  EXPECT_EQ(call_timeout_for(5000, milliseconds(20000)), milliseconds(20000));  // never past --timeout
  EXPECT_EQ(call_timeout_for(0.5, milliseconds(1000)), milliseconds(1000));     // a --timeout under the floor wins
  EXPECT_EQ(call_timeout_for(-3, milliseconds(20000)), milliseconds(2000));     // a negative figure is no figure
}

TEST(WallCheck, ContradictsOnlyPastTheRatioAndTheSlack) {
  WallCheck c;
  c.repeat = 100;
  c.reported_total = 100;                // 1 ms per call reported
  c.judge_total = 1.5 * 100 + 1 + 10;    // exactly at the CPU bound: not a contradiction
  EXPECT_FALSE(c.contradicts(false));
  c.judge_total += 0.5;
  EXPECT_TRUE(c.contradicts(false));
  EXPECT_FALSE(c.contradicts(true)) << "the GPU's slack is larger";
  c.judge_total = 1000;  // a forged timer: 10 ms per call seen, 1 ms reported
  EXPECT_TRUE(c.contradicts(true));
  EXPECT_NE(c.describe().find("100 calls"), std::string::npos) << c.describe();
}

}  // namespace
}  // namespace kda
