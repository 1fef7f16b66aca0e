#include "eval/float_scan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace kda {
namespace {

// The element-by-element definition (compare.cc's scan for finite float32 inputs).
OutputScan naive(const std::vector<float>& e, const std::vector<float>& a, double atol, double rtol) {
  OutputScan r;
  for (size_t i = 0; i < e.size(); ++i) {
    double ev = e[i], av = a[i];
    if (std::abs(ev - e[0]) > atol) r.expected_constant = false;
    if (av != a[0]) r.actual_constant = false;
    if (av != 0) r.actual_zero = false;
    double abs_err = std::abs(av - ev);
    double rel_err = ev != 0 ? abs_err / std::abs(ev) : (abs_err == 0 ? 0 : INFINITY);
    r.max_abs = std::max(r.max_abs, abs_err);
    if (std::isfinite(rel_err)) r.max_rel = std::max(r.max_rel, rel_err);
    if (abs_err > atol && abs_err > rtol * std::abs(ev)) ++r.outside;
  }
  return r;
}

void expect_same(const OutputScan& x, const OutputScan& y) {
  EXPECT_EQ(x.outside, y.outside);
  EXPECT_EQ(x.max_abs, y.max_abs);  // bit-identical, not approximately
  EXPECT_EQ(x.max_rel, y.max_rel);
  EXPECT_EQ(x.expected_constant, y.expected_constant);
  EXPECT_EQ(x.actual_constant, y.actual_constant);
  EXPECT_EQ(x.actual_zero, y.actual_zero);
}

}  // namespace

TEST(FloatScan, MatchesTheElementScanExactly) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd;
  for (size_t n : {1u, 7u, 64u, 1000u, 100003u, 1500007u}) {  // the last is split over the host's cores
    std::vector<float> e(n), a(n);
    for (size_t i = 0; i < n; ++i) {
      e[i] = nd(rng);
      a[i] = e[i] + 1e-3f * nd(rng);
    }
    e[n / 2] = 0.0f;  // relative error undefined there
    a[n / 2] = n > 1 ? 0.5f : 0.0f;
    if (n > 3) {
      a[1] = -0.0f;
      e[2] = std::numeric_limits<float>::denorm_min();
      a[2] = 3e38f;  // the largest quotients stay finite in double
    }
    OutputScan fast;
    ASSERT_TRUE(scan_finite_f32(e.data(), a.data(), n, 1e-2, 1e-2, &fast));
    expect_same(fast, naive(e, a, 1e-2, 1e-2));
  }
}

TEST(FloatScan, ConstantAndZeroOutputs) {
  std::vector<float> e = {1, 2, 3, 4, 5}, z(5, 0.0f), c(5, 2.0f);
  OutputScan r;
  ASSERT_TRUE(scan_finite_f32(e.data(), z.data(), 5, 1e-3, 1e-3, &r));
  expect_same(r, naive(e, z, 1e-3, 1e-3));
  EXPECT_TRUE(r.actual_zero);
  EXPECT_FALSE(r.expected_constant);
  ASSERT_TRUE(scan_finite_f32(e.data(), c.data(), 5, 1e-3, 1e-3, &r));
  EXPECT_TRUE(r.actual_constant);
  EXPECT_FALSE(r.actual_zero);
}

// Split over the host's cores, each part still compares against the output's first elements:
// an output that is constant within every part but not across them is not constant.
TEST(FloatScan, ThePartsOfASplitScanCompareAgainstTheWholeOutput) {
  const size_t n = 3u << 20;
  std::vector<float> e(n, 1.0f), a(n, 1.0f);
  for (size_t i = n / 2; i < n; ++i) a[i] = 1.5f;  // constant halves, different from each other
  OutputScan r;
  ASSERT_TRUE(scan_finite_f32(e.data(), a.data(), n, 1e-3, 1e-3, &r));
  expect_same(r, naive(e, a, 1e-3, 1e-3));
  EXPECT_FALSE(r.actual_constant);
  EXPECT_TRUE(r.expected_constant);
  EXPECT_EQ(r.outside, static_cast<int64_t>(n / 2));
  a[n - 1] = std::numeric_limits<float>::quiet_NaN();  // in the last part only
  EXPECT_FALSE(scan_finite_f32(e.data(), a.data(), n, 1e-3, 1e-3, &r));
}

TEST(FloatScan, AnyNonFiniteElementIsLeftToTheElementScan) {
  const float poison = [] { uint32_t b = 0xFFFFFFFFu; float f; std::memcpy(&f, &b, 4); return f; }();
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity(), poison}) {
    for (int side = 0; side < 2; ++side) {
      std::vector<float> e(1000, 1.0f), a(1000, 1.0f);
      (side ? a : e)[777] = bad;
      OutputScan r;
      r.outside = 12345;
      EXPECT_FALSE(scan_finite_f32(e.data(), a.data(), e.size(), 1e-3, 1e-3, &r));
      EXPECT_EQ(r.outside, 12345);  // untouched
    }
  }
}

}  // namespace kda
