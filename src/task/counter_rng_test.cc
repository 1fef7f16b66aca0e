#include "task/counter_rng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

namespace kda {

TEST(CounterRng, AnyRangeOfAStreamEqualsTheWholeFill) {
  std::vector<float> all(20000), part(7000);
  fill_normal(all.data(), all.size(), 99, 0);
  fill_normal(part.data(), part.size(), 99, 4000);  // crosses chunk boundaries mid-chunk
  for (size_t j = 0; j < part.size(); ++j) ASSERT_EQ(part[j], all[4000 + j]) << j;
  for (size_t i : {0, 1, 4095, 4096, 12345, 19999})
    EXPECT_EQ(normal_from_bits(counter_bits(99, i)), all[i]) << i;  // the scalar path, same bits
  std::vector<float> other(20000);
  fill_normal(other.data(), other.size(), 100, 0);
  EXPECT_NE(all, other);
}

TEST(CounterRng, ElementsOfAChunkAreDistinct) {
  std::set<uint32_t> seen;
  for (uint64_t i = 8192; i < 8192 + 4096; ++i) seen.insert(counter_bits(5, i));
  EXPECT_EQ(seen.size(), 4096u);
}

TEST(CounterRng, NormalsHaveTheMomentsAndTailsOfNZeroOne) {
  const size_t n = 1 << 22;
  std::vector<float> v(n);
  fill_normal(v.data(), n, 7, 0);
  double sum = 0, sq = 0, cube = 0, four = 0, beyond2 = 0, beyond3 = 0, lag = 0;
  for (size_t i = 0; i < n; ++i) {
    const double x = v[i];
    ASSERT_TRUE(std::isfinite(x));
    ASSERT_LT(std::fabs(x), 5.5);
    sum += x;
    sq += x * x;
    cube += x * x * x;
    four += x * x * x * x;
    beyond2 += std::fabs(x) > 2;
    beyond3 += std::fabs(x) > 3;
    if (i) lag += x * v[i - 1];
  }
  EXPECT_NEAR(sum / n, 0.0, 0.003);
  EXPECT_NEAR(sq / n, 1.0, 0.005);
  EXPECT_NEAR(cube / n, 0.0, 0.01);
  EXPECT_NEAR(four / n, 3.0, 0.03);
  EXPECT_NEAR(beyond2 / n, 0.0455, 0.001);
  EXPECT_NEAR(beyond3 / n, 0.0027, 0.0002);
  EXPECT_NEAR(lag / n, 0.0, 0.003);  // neighbours are uncorrelated
}

TEST(CounterRng, InverseCdfIsAccurateIntoTheTails) {
  // erf(z / sqrt 2) must give back the uniform that produced z.
  for (uint32_t u = 0; u < (1u << 24); u += 4099) {
    const float z = normal_from_bits(u << 8);
    const double x = (static_cast<double>(2 * u + 1) - (1 << 24)) * 0x1.0p-24;
    const double back = std::erf(z / std::sqrt(2.0));
    EXPECT_NEAR(back, x, 1e-5 * std::max(1e-6, 1 - std::fabs(x)) + 1e-6) << u;
  }
  EXPECT_GT(std::fabs(normal_from_bits(0)), 5.0f);  // the extreme uniforms reach |z| > 5
  EXPECT_GT(normal_from_bits(0xffffffffu), 5.0f);
}

}  // namespace kda
