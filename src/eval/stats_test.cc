#include "eval/stats.h"

#include <gtest/gtest.h>

namespace kda {

TEST(Stats, MedianAndQuartiles) {
  auto s = summarize({5, 1, 3, 2, 4});
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.q1, 2);
  EXPECT_DOUBLE_EQ(s.q3, 4);
  EXPECT_DOUBLE_EQ(s.iqr(), 2);
  EXPECT_NEAR(s.rel_stdev(), 1.5811 / 3, 1e-3);
}

TEST(Stats, StopsOnlyWithEnoughQuietSamplesOrOutOfBudget) {
  StopRule r{.min_samples = 10, .max_samples = 100, .target_rel_stdev = 0.005, .budget_seconds = 1};
  std::vector<double> quiet(12, 1.0);
  EXPECT_TRUE(should_stop(r, summarize(quiet), 0.1));
  std::vector<double> few(5, 1.0);
  EXPECT_FALSE(should_stop(r, summarize(few), 0.1));
  std::vector<double> noisy = {1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2};
  EXPECT_FALSE(should_stop(r, summarize(noisy), 0.5));
  EXPECT_TRUE(should_stop(r, summarize(noisy), 1.5));
  // Under the minimum, a slow host does not stop sampling; calls slower than 4x the budget do.
  EXPECT_FALSE(should_stop(r, summarize(few), 30.0));
  std::vector<double> slow(3, 1500.0);
  EXPECT_TRUE(should_stop(r, summarize(slow), 4.5));
}

TEST(Stats, ThrottledSamplesAreDropped) {
  std::vector<double> ms = {1, 1, 5, 1}, ratio = {1.0, 0.99, 0.5, 0.98};
  EXPECT_EQ(drop_throttled(ms, ratio), 1);
  EXPECT_EQ(ms.size(), 3u);
  std::vector<double> ms2 = {1, 2}, unknown = {0, 0};
  EXPECT_EQ(drop_throttled(ms2, unknown), 0);
}

TEST(Stats, GeometricMean) { EXPECT_NEAR(geometric_mean({1, 4, 16}), 4, 1e-12); }

}  // namespace kda
