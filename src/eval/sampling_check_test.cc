#include "eval/sampling_check.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "core/error.h"
#include "core/json_io.h"
#include "task/inputs.h"
#include "task/workload.h"

namespace kda {
namespace {

Definition def(const std::string& name) {
  return parse_definition(parse_json(R"({"name": ")" + name + R"(", "op_type": "sampling",
    "axes": {"B": {"type": "var"}, "V": {"type": "var"}},
    "inputs": {"probs": {"shape": ["B", "V"], "dtype": "float32"}, "top_k": {"shape": ["B"], "dtype": "int32"},
               "top_p": {"shape": ["B"], "dtype": "float32"}},
    "outputs": {"samples": {"shape": ["B"], "dtype": "int64"}}})", name), name);
}

HostTensor tensor(const char* name, DType t, std::vector<int64_t> shape, const std::vector<double>& v) {
  HostTensor h;
  h.name = name;
  h.dtype = t;
  h.shape = std::move(shape);
  h.allocate();
  for (size_t i = 0; i < v.size(); ++i) store_element(t, h.data.data(), i, v[i]);
  return h;
}

std::vector<HostTensor> one_row(const std::vector<double>& p, double k, double top_p) {
  return {tensor("probs", DType::kFloat32, {1, static_cast<int64_t>(p.size())}, p), tensor("top_k", DType::kInt32, {1}, {k}),
          tensor("top_p", DType::kFloat32, {1}, {top_p})};
}

SamplingMask mask_of(const std::string& name, const std::vector<HostTensor>& in) {
  const Definition d = def(name);
  return sampling_mask(d, check_rules(d).sampling, in);
}

std::vector<int> valid_of(const SamplingMask& m) { return {m.valid.begin(), m.valid.end()}; }

TEST(SamplingMask, TopKKeepsTiesWithTheKthLargest) {
  SamplingMask m = mask_of("top_k_sampling_from_probs", one_row({0.4, 0.2, 0.2, 0.1, 0.1}, 2, 0.5));
  EXPECT_EQ(valid_of(m), (std::vector<int>{1, 1, 1, 0, 0}));
  EXPECT_NEAR(m.expected[0], 0.5, 1e-7);
  EXPECT_NEAR(m.expected[1], 0.25, 1e-7);
  EXPECT_EQ(m.expected[3], 0.0);
  // k <= 0 or k >= V filters nothing (top_p is ignored by a top_k definition).
  EXPECT_EQ(valid_of(mask_of("top_k_sampling_from_probs", one_row({0.4, 0.2, 0.2, 0.1, 0.1}, 0, 0.1))),
            (std::vector<int>{1, 1, 1, 1, 1}));
  EXPECT_EQ(valid_of(mask_of("top_k_sampling_from_probs", one_row({0.4, 0.2, 0.2, 0.1, 0.1}, 5, 0.1))),
            (std::vector<int>{1, 1, 1, 1, 1}));
}

TEST(SamplingMask, TopPIsTheNucleusWithinFivePercent) {
  auto p = [](double top) { return valid_of(mask_of("top_p_sampling_from_probs", one_row({0.1, 0.5, 0.3, 0.1}, 1, top))); };
  EXPECT_EQ(p(0.6), (std::vector<int>{0, 1, 0, 0}));   // cumsum 0.5, 0.8, ...: 0.8 > 0.65
  EXPECT_EQ(p(0.75), (std::vector<int>{0, 1, 1, 0}));  // 0.8 <= 0.8
  EXPECT_EQ(p(0.01), (std::vector<int>{0, 1, 0, 0}));  // nothing within 0.06: the first is kept
  EXPECT_EQ(p(1.0), (std::vector<int>{1, 1, 1, 1}));   // p >= 1 filters nothing
}

TEST(SamplingMask, TopKTopPIsTheIntersectionAndRenormalises) {
  SamplingMask m = mask_of("top_k_top_p_sampling_from_probs", one_row({0.1, 0.5, 0.3, 0.1}, 3, 0.75));
  EXPECT_EQ(valid_of(m), (std::vector<int>{0, 1, 1, 0}));  // top-3 keeps 0.1s by the tie, top-p drops them
  EXPECT_NEAR(m.expected[1], 0.625, 1e-7);
  EXPECT_NEAR(m.expected[2], 0.375, 1e-7);
}

TEST(SamplingMask, MissingParameterIsTheDefinitionsFault) {
  auto in = one_row({0.5, 0.5}, 1, 0.5);
  in.resize(1);
  EXPECT_THROW(mask_of("top_k_sampling_from_probs", in), Error);
  EXPECT_NO_THROW(mask_of("sampling_from_probs", in));
}

TEST(SamplingCheck, SamplesMustBeInTheVocabularyAndTheMask) {
  const Definition d = def("top_k_sampling_from_probs");
  const SamplingRule rule = check_rules(d).sampling;
  auto in = one_row({0.4, 0.2, 0.2, 0.1, 0.1}, 2, 0.5);
  in[0].shape = {2, 5};  // two rows: the second a copy of the first's probabilities
  in[0].allocate();
  for (size_t i = 0; i < 10; ++i) store_element(DType::kFloat32, in[0].data.data(), i, std::vector<double>{0.4, 0.2, 0.2, 0.1, 0.1}[i % 5]);
  in[1] = tensor("top_k", DType::kInt32, {2}, {2, 1});  // row 1 keeps token 0 only
  in[2] = tensor("top_p", DType::kFloat32, {2}, {1, 1});
  const HostTensor shape = tensor("samples", DType::kInt64, {2}, {});
  Correctness c;
  auto call = [&](std::vector<double> s) { return check_sampling_call(d, rule, in, shape, tensor("samples", DType::kInt64, {2}, s), c); };
  EXPECT_FALSE(call({2, 0}));
  EXPECT_EQ(call({2, 1})->reason_code, "invalid_sample");  // token 1 is outside row 1's top-1
  EXPECT_EQ(call({3, 0})->reason_code, "invalid_sample");  // token 3 is outside row 0's top-2
  EXPECT_EQ(call({5, 0})->reason_code, "invalid_sample");  // outside the vocabulary
  EXPECT_EQ(call({-1, 0})->reason_code, "unwritten_output");  // int64 -1 is the poison pattern
  EXPECT_EQ(check_sampling_call(d, rule, in, shape, tensor("samples", DType::kInt32, {2}, {0, 0}), c)->reason_code,
            "dtype_mismatch");
}

TEST(SamplingCheck, TotalVariationOfCountsByHand) {
  SamplingMask m = mask_of("top_k_sampling_from_probs", one_row({0.4, 0.2, 0.2, 0.1, 0.1}, 2, 0.5));
  std::vector<uint32_t> counts = {50, 25, 25, 0, 0};
  EXPECT_NEAR(total_variation(m, counts, 100).max_tvd, 0.0, 1e-7);
  counts = {50, 50, 0, 0, 0};
  TvdResult t = total_variation(m, counts, 100);
  EXPECT_NEAR(t.max_tvd, 0.25, 1e-7);  // 0.5 * (0 + 0.25 + 0.25)
  EXPECT_NEAR(t.max_abs, 0.25, 1e-7);
}

// 500,000 samples a row of an honest sampler stay far inside 0.2; a sampler that returns the
// most likely token a quarter of the time (an easy shortcut) does not.
TEST(SamplingCheck, DistributionOfAnHonestAndASubtlyBiasedSampler) {
  std::vector<double> p(64);
  double sum = 0;
  for (size_t j = 0; j < p.size(); ++j) sum += p[j] = 1.0 + static_cast<double>(j % 7);
  for (double& x : p) x /= sum;
  SamplingMask m = mask_of("top_k_sampling_from_probs", one_row(p, 32, 1));
  std::mt19937_64 rng(1);
  std::discrete_distribution<int> honest(m.expected.begin(), m.expected.end());
  const int argmax = static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
  HostTensor good = tensor("samples", DType::kInt64, {1}, {}), bad = good;
  std::vector<uint32_t> cg, cb;
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 500000; ++i) {
    store_element(DType::kInt64, good.data.data(), 0, honest(rng));
    store_element(DType::kInt64, bad.data.data(), 0, u(rng) < 0.25 ? argmax : honest(rng));
    Correctness c;
    ASSERT_FALSE(check_samples(m, good, c));
    count_samples(m, good, cg);
    count_samples(m, bad, cb);
  }
  EXPECT_LT(total_variation(m, cg, 500000).max_tvd, 0.02);
  EXPECT_GT(total_variation(m, cb, 500000).max_tvd, 0.2);
}

// The per-call test (one pass per sample) and the full mask (sorted rows) agree on every token of
// softmax rows drawn as flashinfer-bench draws them, for top-k, top-p and both, ties included.
TEST(SamplingCheck, PerSampleTestAgreesWithTheFullMask) {
  for (const char* name : {"top_k_sampling_from_probs", "top_p_sampling_from_probs", "top_k_top_p_sampling_from_probs"}) {
    const Definition d = def(name);
    const SamplingRule rule = check_rules(d).sampling;
    Workload w = parse_workload(parse_json(R"({"uuid": "m", "axes": {"B": 12, "V": 300}})", "w"), "w");
    auto in = generate_inputs(d, w, 3, 0, ".");
    std::vector<double> ks, ps;
    for (int r = 0; r < 12; ++r) {
      ks.push_back(r == 0 ? 0 : r == 1 ? 300 : 1 + r * 7);
      ps.push_back(r == 2 ? 1.0 : r == 3 ? 0.0 : 0.08 * r);
    }
    in[1] = tensor("top_k", DType::kInt32, {12}, ks);
    in[2] = tensor("top_p", DType::kFloat32, {12}, ps);
    // Ties: row 4's first ten probabilities made equal (the row no longer sums to 1; the mask
    // does not care).
    for (size_t j = 1; j < 10; ++j) std::memcpy(in[0].data.data() + (4 * 300 + j) * 4, in[0].data.data() + 4 * 300 * 4, 4);
    const SamplingMask m = sampling_mask(d, rule, in);
    const HostTensor shape = tensor("samples", DType::kInt64, {12}, {});
    size_t valid = 0;
    for (int64_t s = 0; s < 300; ++s) {
      for (int64_t r = 0; r < 12; ++r) {
        std::vector<double> v(12, -2);  // every other row samples its most likely token
        for (int64_t q = 0; q < 12; ++q) {
          if (q == r) continue;
          for (int64_t j = 0; j < 300; ++j)
            if (m.valid[static_cast<size_t>(q * 300 + j)]) { v[static_cast<size_t>(q)] = static_cast<double>(j); break; }
        }
        v[static_cast<size_t>(r)] = static_cast<double>(s);
        Correctness c;
        const bool ok = !check_sampling_call(d, rule, in, shape, tensor("samples", DType::kInt64, {12}, v), c);
        ASSERT_EQ(ok, m.valid[static_cast<size_t>(r * 300 + s)] != 0) << name << " row " << r << " token " << s;
        valid += ok;
      }
    }
    EXPECT_GT(valid, 12u) << name;
    EXPECT_LT(valid, 12u * 300) << name;
  }
}

}  // namespace
}  // namespace kda
