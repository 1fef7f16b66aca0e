#include "eval/compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <algorithm>
#include <limits>
#include <numeric>
#include <random>

#include "core/error.h"
#include "core/json_io.h"

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

// The exact rule (no tolerance): every selected score at least the reference's smallest, and as
// many above it. Leaving out a score above the tie for one at the tie fails, as does reaching
// below the tie; with a tolerance the sorted selections are compared instead.
TEST(Compare, TopkMissingAScoreAboveTheTieOrReachingBelowItFails) {
  Definition d = def();
  d.comparator = "topk_indices";
  HostTensor scores = f32({5, 4, 4, 4, 1});
  scores.shape = {1, 5};
  auto indices = [](std::vector<int32_t> v) {
    HostTensor t;
    t.name = "idx";
    t.dtype = DType::kInt32;
    t.shape = {1, static_cast<int64_t>(v.size())};
    t.allocate();
    std::memcpy(t.data.data(), v.data(), v.size() * 4);
    return t;
  };
  const HostTensor want = indices({0, 1});                                                  // 5, 4
  EXPECT_TRUE(compare_outputs(d, {scores}, {want}, {indices({3, 0})}).passed());           // 4 (another tie), 5
  EXPECT_EQ(compare_outputs(d, {scores}, {want}, {indices({1, 2})}).reason_code, "numerical_mismatch");  // 4, 4
  EXPECT_EQ(compare_outputs(d, {scores}, {want}, {indices({0, 4})}).reason_code, "numerical_mismatch");  // 5, 1
  EXPECT_EQ(compare_outputs(d, {scores}, {want}, {indices({0, 5})}).reason_code, "invalid_index");
  d.tolerance.atol = 0.5;  // the sorted comparison: 4 against 4.2 is inside it
  HostTensor near = f32({5, 4.2f, 4, 4, 1});
  near.shape = {1, 5};
  EXPECT_TRUE(compare_outputs(d, {near}, {indices({0, 1})}, {indices({0, 2})}).passed());
  EXPECT_EQ(compare_outputs(d, {near}, {indices({0, 1})}, {indices({0, 4})}).reason_code, "numerical_mismatch");
}

// The exact top-k rule on random rows with many ties, both where k is a small part of the row
// (the selected scores are read where they lie) and a large one (one scan of the row), against
// the definition: the candidate passes iff its sorted selected scores equal the reference's.
TEST(Compare, TopkAgreesWithSortedSelectionsOnRandomRowsWithTies) {
  Definition d = def();
  d.comparator = "topk_indices";
  d.tolerance = {.atol = 0, .rtol = 0, .required_matched_ratio = 1.0};
  std::mt19937 rng(12345);
  int passed = 0, failed = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const int64_t rows = 1 + trial % 3, n = std::vector<int64_t>{6, 40, 300}[trial % 3];
    const int64_t k = std::vector<int64_t>{1, 2, std::max<int64_t>(1, n / 16), n / 2, n}[(trial / 3) % 5];
    HostTensor scores;
    scores.name = "scores";
    scores.shape = {rows, n};
    scores.allocate();
    float* sp = reinterpret_cast<float*>(scores.data.data());
    for (int64_t i = 0; i < rows * n; ++i) sp[i] = static_cast<float>(rng() % 5);  // many ties
    HostTensor want, got;
    want.name = got.name = "idx";
    want.dtype = got.dtype = trial % 2 ? DType::kInt64 : DType::kInt32;
    want.shape = got.shape = {rows, k};
    want.allocate();
    got.allocate();
    bool same = true;
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<int64_t> order(static_cast<size_t>(n));
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return sp[r * n + x] > sp[r * n + y]; });
      std::vector<int64_t> cand = order;
      std::shuffle(cand.begin(), cand.end(), rng);  // another choice among ties, or a wrong one
      std::stable_sort(cand.begin(), cand.end(), [&](int64_t x, int64_t y) { return sp[r * n + x] > sp[r * n + y]; });
      if (rng() % 3 == 0 && k < n) std::swap(cand[rng() % k], cand[k + rng() % (n - k)]);  // maybe a wrong score
      std::vector<float> a, b;
      for (int64_t j = 0; j < k; ++j) {
        store_element(want.dtype, want.data.data(), static_cast<size_t>(r * k + j), static_cast<double>(order[j]));
        store_element(got.dtype, got.data.data(), static_cast<size_t>(r * k + j), static_cast<double>(cand[j]));
        a.push_back(sp[r * n + order[j]]);
        b.push_back(sp[r * n + cand[j]]);
      }
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      same = same && a == b;
    }
    Verdict v = compare_outputs(d, {scores}, {want}, {got});
    EXPECT_EQ(v.passed(), same) << "trial " << trial << " rows " << rows << " n " << n << " k " << k << ": " << v.reason;
    if (!same) {
      EXPECT_EQ(v.reason_code, "numerical_mismatch") << v.reason;
    }
    (same ? passed : failed) += 1;
    if (k >= 2) {  // a repeated index is invalid on either path
      std::vector<uint8_t> keep = got.data;
      store_element(got.dtype, got.data.data(), 1, load_element(got.dtype, got.data.data(), 0));
      EXPECT_EQ(compare_outputs(d, {scores}, {want}, {got}).reason_code, "invalid_index") << "trial " << trial;
      got.data = keep;
    }
  }
  EXPECT_GT(passed, 50);  // both outcomes were exercised
  EXPECT_GT(failed, 50);
}

// Rows split over the host's cores give the verdict of the rows taken in order: the first row
// that fails names the failure, and a reference that is broken in an earlier row than the
// candidate's failure is the reference's error, as it would be one row after another.
TEST(Compare, TopkRowsSplitOverCoresReportTheFirstFailingRow) {
  Definition d = def();
  d.comparator = "topk_indices";
  d.tolerance = {.atol = 0, .rtol = 0, .required_matched_ratio = 1.0};
  const int64_t rows = 256, n = 8192, k = 1024;  // ~9 K element reads a row: rows split in chunks of ~28
  HostTensor scores;
  scores.name = "scores";
  scores.shape = {rows, n};
  scores.allocate();
  float* sp = reinterpret_cast<float*>(scores.data.data());
  for (int64_t i = 0; i < rows * n; ++i) sp[i] = static_cast<float>((i * 7919) % n);  // distinct within a row
  HostTensor want;
  want.name = "idx";
  want.dtype = DType::kInt32;
  want.shape = {rows, k};
  want.allocate();
  auto* wp = reinterpret_cast<int32_t*>(want.data.data());
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<int32_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int32_t x, int32_t y) { return sp[r * n + x] > sp[r * n + y]; });
    std::reverse(order.begin(), order.begin() + k);  // any order of the selection is the same set
    std::copy(order.begin(), order.begin() + k, wp + r * k);
  }
  const HostTensor got = want;
  Verdict ok = compare_outputs(d, {scores}, {want}, {got});
  ASSERT_TRUE(ok.passed()) << ok.reason;
  EXPECT_EQ(ok.correctness.elements_checked, rows * k);
  // Row r selects the row's smallest score instead of one of its own.
  auto broken = [&](std::vector<int64_t> bad_rows) {
    HostTensor t = got;
    auto* tp = reinterpret_cast<int32_t*>(t.data.data());
    for (int64_t r : bad_rows) {
      const int32_t lowest = static_cast<int32_t>(std::min_element(sp + r * n, sp + (r + 1) * n) - (sp + r * n));
      tp[r * k + k / 2] = lowest;
    }
    return t;
  };
  for (const auto& [bad_rows, first] : std::vector<std::pair<std::vector<int64_t>, int64_t>>{
           {{250}, 250}, {{200, 20}, 20}, {{40, 41, 255}, 40}, {{0, 130}, 0}}) {
    Verdict v = compare_outputs(d, {scores}, {want}, {broken(bad_rows)});
    EXPECT_EQ(v.reason_code, "numerical_mismatch");
    EXPECT_NE(v.reason.find("top-k row " + std::to_string(first) + " "), std::string::npos) << v.reason;
  }
  // The reference out of range in row 100: an error of the reference if no earlier row fails.
  HostTensor bad_ref = want;
  reinterpret_cast<int32_t*>(bad_ref.data.data())[100 * k + 3] = static_cast<int32_t>(n + 5);
  EXPECT_THROW(compare_outputs(d, {scores}, {bad_ref}, {broken({150})}), Error);
  EXPECT_NE(compare_outputs(d, {scores}, {bad_ref}, {broken({50, 150})}).reason.find("top-k row 50 "), std::string::npos);
}

// float4_e2m1 outputs: two values a byte, each compared; a byte left at the poison is unwritten
// even though 0xFF decodes to two values (-6, -6).
TEST(Compare, Fp4OutputsCompareEveryNibble) {
  auto fp4 = [](const std::vector<double>& v) {
    HostTensor t;
    t.name = "y";
    t.dtype = DType::kFloat4E2M1;
    t.shape = {static_cast<int64_t>(v.size() / 2)};
    t.allocate();
    for (size_t i = 0; i < v.size(); ++i) store_element(t.dtype, t.data.data(), i, v[i]);
    return t;
  };
  Definition d = def();
  const HostTensor want = fp4({1, -2, 3, 0.5});
  EXPECT_TRUE(compare_outputs(d, {}, {want}, {fp4({1, -2, 3, 0.5})}).passed());
  auto v = compare_outputs(d, {}, {want}, {fp4({1, -2, 4, 0.5})});  // the high nibble of byte 1 differs
  EXPECT_EQ(v.reason_code, "numerical_mismatch");
  EXPECT_EQ(v.correctness.elements_checked, 4);
  EXPECT_EQ(v.correctness.elements_outside_tolerance, 1);
  HostTensor unwritten = fp4({1, -2, 3, 0.5});
  unwritten.data[1] = kPoisonByte;
  EXPECT_EQ(compare_outputs(d, {}, {want}, {unwritten}).reason_code, "unwritten_output");
}

// DSA sparse attention (flashinfer-bench's two names): lse may be left out, not written wrong.
TEST(Compare, OptionalOutputMayBeLeftUnwrittenButNotWrong) {
  Definition d = parse_definition(parse_json(R"({"name": "dsa_sparse_attention_h16_ckv512_kpe64_topk2048_ps64",
    "op_type": "dsa_paged", "axes": {"N": {"type": "var"}}, "inputs": {"x": {"shape": ["N"], "dtype": "float32"}},
    "outputs": {"output": {"shape": ["N"], "dtype": "float32"}, "lse": {"shape": ["N"], "dtype": "float32"}}})", "d"), "d");
  HostTensor out = f32({1, 2, 3}), lse = f32({4, 5, 6});
  out.name = "output";
  lse.name = "lse";
  HostTensor poisoned = lse;
  std::memset(poisoned.data.data(), kPoisonByte, poisoned.data.size());
  EXPECT_TRUE(compare_outputs(d, {}, {out, lse}, {out, lse}).passed());
  EXPECT_TRUE(compare_outputs(d, {}, {out, lse}, {out, poisoned}).passed());
  HostTensor wrong = f32({4, 5, 7});
  wrong.name = "lse";
  EXPECT_EQ(compare_outputs(d, {}, {out, lse}, {out, wrong}).reason_code, "numerical_mismatch");
  HostTensor out_poisoned = poisoned;
  out_poisoned.name = "output";
  EXPECT_EQ(compare_outputs(d, {}, {out, lse}, {out_poisoned, lse}).reason_code, "unwritten_output");
}

// flashinfer-bench's moe rule reaches compare_outputs: 95 % of elements must match, not all.
TEST(Compare, MoeDefinitionsAllowFivePercentOutsideTolerance) {
  Definition d = parse_definition(parse_json(R"({"name": "moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e32_h7168_i2048",
    "op_type": "moe", "axes": {"N": {"type": "var"}}, "inputs": {"x": {"shape": ["N"], "dtype": "float32"}},
    "outputs": {"y": {"shape": ["N"], "dtype": "float32"}}})", "moe"), "moe");
  std::vector<float> want(100), got(100);
  for (int i = 0; i < 100; ++i) want[i] = got[i] = static_cast<float>(i + 1);
  for (int i = 0; i < 5; ++i) got[i] += 1.0f;
  EXPECT_TRUE(compare_outputs(d, {}, {f32(want)}, {f32(got)}).passed());
  got[5] += 1.0f;  // 6 %
  EXPECT_EQ(compare_outputs(d, {}, {f32(want)}, {f32(got)}).reason_code, "numerical_mismatch");
}

}  // namespace
}  // namespace kda
