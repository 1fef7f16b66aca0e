#include "eval/compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace kda {
namespace {

HostTensor f32(const std::vector<float>& v) {
  HostTensor t;
  t.name = "y";
  t.dtype = DType::kFloat32;
  t.shape = {static_cast<int64_t>(v.size())};
  t.data.resize(v.size() * 4);
  std::memcpy(t.data.data(), v.data(), t.data.size());
  return t;
}

Definition def() {
  Definition d;
  d.tolerance = {.atol = 1e-3, .rtol = 1e-3, .required_matched_ratio = 1.0};
  return d;
}

Verdict run(const std::vector<float>& expected, HostTensor actual) {
  return compare_outputs(def(), {}, {f32(expected)}, {std::move(actual)});
}

TEST(Compare, ExactMatchPasses) { EXPECT_TRUE(run({1, 2, 3}, f32({1, 2, 3})).passed()); }

TEST(Compare, PoisonLeftIsUnwritten) {
  HostTensor a = f32({1, 2, 3});
  std::memset(a.data.data() + 4, kPoisonByte, 4);
  auto v = run({1, 2, 3}, a);
  EXPECT_EQ(v.status, Status::kIncorrectNumerical);
  EXPECT_EQ(v.reason_code, "unwritten_output");
}

TEST(Compare, NaNIsNotAWildcard) {
  auto v = run({1, 2, 3}, f32({1, std::nanf(""), 3}));
  EXPECT_EQ(v.reason_code, "nan_in_output");
  EXPECT_EQ(v.correctness.nan_count, 1);
}

TEST(Compare, InfIsCaught) {
  EXPECT_EQ(run({1, 2, 3}, f32({1, std::numeric_limits<float>::infinity(), 3})).reason_code, "inf_in_output");
}

TEST(Compare, AllZerosIsDegenerate) { EXPECT_EQ(run({1, 2, 3}, f32({0, 0, 0})).reason_code, "degenerate_output"); }

TEST(Compare, ConstantExpectedAllowsConstantActual) { EXPECT_TRUE(run({1, 1, 1}, f32({1, 1, 1})).passed()); }

TEST(Compare, ElementFailsOnlyWhenBothAbsAndRelExceed) {
  // |err| = 0.01 > atol 1e-3, but rel = 0.01/100 = 1e-4 < rtol: passes.
  EXPECT_TRUE(run({100, 2}, f32({100.01f, 2})).passed());
  auto v = run({1, 2}, f32({1.1f, 2}));
  EXPECT_EQ(v.reason_code, "numerical_mismatch");
  EXPECT_EQ(v.correctness.elements_outside_tolerance, 1);
}

TEST(Compare, MatchedRatioAllowsAFraction) {
  Definition d = def();
  d.tolerance.required_matched_ratio = 0.5;
  auto v = compare_outputs(d, {}, {f32({1, 2, 3, 4})}, {f32({1, 2, 3, 9})});
  EXPECT_TRUE(v.passed());
}

TEST(Compare, TopkAcceptsTiesWithDifferentIndices) {
  Definition d = def();
  d.comparator = "topk_indices";
  HostTensor scores = f32({5, 1, 5, 3});
  scores.shape = {1, 4};
  HostTensor want, got;
  want.name = got.name = "idx";
  want.dtype = got.dtype = DType::kInt32;
  want.shape = got.shape = {1, 2};
  want.allocate();
  got.allocate();
  int32_t w[2] = {0, 2}, g[2] = {2, 0}, bad[2] = {0, 0};
  std::memcpy(want.data.data(), w, 8);
  std::memcpy(got.data.data(), g, 8);
  EXPECT_TRUE(compare_outputs(d, {scores}, {want}, {got}).passed());
  std::memcpy(got.data.data(), bad, 8);
  EXPECT_EQ(compare_outputs(d, {scores}, {want}, {got}).reason_code, "invalid_index");
}

}  // namespace
}  // namespace kda
