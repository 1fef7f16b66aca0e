#include "task/inputs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/fs.h"
#include "task/safetensors.h"

#include "task/test_data.h"

namespace kda {

class Inputs : public ::testing::Test {
 protected:
  Definition d = parse_definition(parse_json(testdata::kDefinition, "d"), "d");
  Workload w = parse_workload(parse_json(testdata::kWorkloadLine, "w"), "w");
};

TEST_F(Inputs, DeterministicPerSeedAndDrawAndDifferentOtherwise) {
  auto a = generate_inputs(d, w, 42, 0, ".");
  auto b = generate_inputs(d, w, 42, 0, ".");
  auto c = generate_inputs(d, w, 42, 1, ".");
  auto e = generate_inputs(d, w, 43, 0, ".");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].data, b[0].data);
  EXPECT_NE(a[0].data, c[0].data);
  EXPECT_NE(a[0].data, e[0].data);
  EXPECT_EQ(a[0].shape, (std::vector<int64_t>{7, 128}));
  EXPECT_TRUE(a[2].shape.empty());
  EXPECT_NEAR(load_element(DType::kFloat32, a[2].data.data(), 0), 1e-6, 1e-12);
}

TEST_F(Inputs, FloatInputsLookNormal) {
  Workload big = w;
  big.axes["M"] = 4096;
  auto in = generate_inputs(d, big, 1, 0, ".");
  double sum = 0, sq = 0;
  const size_t n = in[0].numel();
  for (size_t i = 0; i < n; ++i) {
    double v = load_element(in[0].dtype, in[0].data.data(), i);
    sum += v;
    sq += v * v;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.02);
  EXPECT_NEAR(sq / n, 1.0, 0.05);
}

TEST_F(Inputs, OutputsHaveResolvedShapes) {
  auto outs = make_output_tensors(d, w);
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].shape, (std::vector<int64_t>{7, 128}));
  EXPECT_EQ(outs[0].data.size(), 7u * 128 * 2);
}

}  // namespace kda

namespace kda {

// A definition exercising every dtype family and the kda.inputs override.
const char* kMixed = R"({"name": "mix", "axes": {"N": {"type": "var"}},
  "inputs": {"f": {"shape": ["N"], "dtype": "float32"}, "u": {"shape": ["N"], "dtype": "float16"},
             "i": {"shape": ["N"], "dtype": "int32"}, "b": {"shape": ["N"], "dtype": "uint8"},
             "q": {"shape": ["N"], "dtype": "bool"}, "w": {"shape": [2, "N"], "dtype": "bfloat16"}},
  "outputs": {"y": {"shape": ["N"], "dtype": "float32"}},
  "kda": {"inputs": {"u": {"dist": "uniform", "low": 2, "high": 3}}}})";

TEST(InputsMixed, RangesPerDtypeAndUniformOverride) {
  Definition d = parse_definition(parse_json(kMixed, "mix"), "mix");
  Workload w = parse_workload(parse_json(R"({"uuid": "m", "axes": {"N": 20000}})", "w"), "w");
  auto in = generate_inputs(d, w, 7, 0, ".");
  ASSERT_EQ(in.size(), 6u);
  auto range = [](const HostTensor& t) {
    double lo = 1e300, hi = -1e300;
    for (size_t i = 0; i < t.numel(); ++i) {
      double v = load_element(t.dtype, t.data.data(), i);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    return std::pair(lo, hi);
  };
  EXPECT_GE(range(in[1]).first, 2.0);
  EXPECT_LE(range(in[1]).second, 3.0);
  EXPECT_EQ(range(in[2]), std::pair(-8.0, 7.0));
  EXPECT_EQ(range(in[3]), std::pair(0.0, 255.0));
  EXPECT_EQ(range(in[4]), std::pair(0.0, 1.0));
  EXPECT_EQ(in[5].shape, (std::vector<int64_t>{2, 20000}));
  EXPECT_LT(range(in[0]).first, -3.0);  // normal tails, not a uniform [0, 1)
  size_t beyond2 = 0;
  for (size_t i = 0; i < in[0].numel(); ++i) beyond2 += std::fabs(load_element(in[0].dtype, in[0].data.data(), i)) > 2;
  EXPECT_NEAR(static_cast<double>(beyond2) / in[0].numel(), 0.0455, 0.006);  // P(|N(0,1)| > 2)
  EXPECT_NE(in[0].data, std::vector<uint8_t>(in[0].data.size(), 0));
}

TEST(InputsMixed, SafetensorsRecipeIsLoadedAndChecked) {
  TempDir dir("kda-inputs-test");
  Definition d = parse_definition(parse_json(testdata::kDefinition, "d"), "d");
  HostTensor w;
  w.name = "weights";
  w.dtype = DType::kBFloat16;
  w.shape = {128};
  w.allocate();
  store_element(w.dtype, w.data.data(), 3, 1.5);
  write_safetensors(dir.path() / "blob/w.safetensors", {w});
  auto line = [](const std::string& key) {
    return parse_workload(parse_json(R"({"uuid": "s", "axes": {"M": 2}, "inputs": {"w": {"type": "safetensors", "path": "blob/w.safetensors", "tensor_key": ")" + key + R"("}}})", "w"), "w");
  };
  auto in = generate_inputs(d, line("weights"), 1, 0, dir.path());
  EXPECT_EQ(in[1].data, w.data);
  EXPECT_THROW(generate_inputs(d, line("absent"), 1, 0, dir.path()), Error);
  w.shape = {64};
  w.allocate();
  write_safetensors(dir.path() / "blob/w.safetensors", {w});
  try {
    generate_inputs(d, line("weights"), 1, 0, dir.path());
    FAIL() << "shape mismatch accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bfloat16[64]"), std::string::npos) << e.what();
  }
}

TEST(InputsMixed, SixteenMillionFloatsAreFast) {
  Definition d = parse_definition(parse_json(kMixed, "mix"), "mix");
  d.inputs.resize(1);  // f: float32 only
  Workload w = parse_workload(parse_json(R"({"uuid": "big", "axes": {"N": 16777216}})", "w"), "w");
  auto t0 = std::chrono::steady_clock::now();
  auto in = generate_inputs(d, w, 1, 0, ".");
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(in[0].numel(), 16777216u);
  EXPECT_LT(s, 1.0);  // "well under a second" on the dev machine; generous for shared CPUs
}

}  // namespace kda

namespace kda {

TEST(InputsMixed, HugeShapesAreRefusedNotWrapped) {
  Definition d = parse_definition(parse_json(testdata::kDefinition, "d"), "d");
  Workload w = parse_workload(parse_json(R"({"uuid": "huge", "axes": {"M": 9223372036854775807}})", "w"), "w");
  try {
    generate_inputs(d, w, 1, 0, ".");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("workload huge: tensor 'x'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_output_tensors(d, w), Error);
}

}  // namespace kda

namespace kda {

TEST(InputsMixed, PerturbTakesAFewElementsOfTheFreshDraw) {
  Definition d = parse_definition(parse_json(kMixed, "mix"), "mix");
  Workload w = parse_workload(parse_json(R"({"uuid": "p", "axes": {"N": 50000}})", "w"), "w");
  auto prev = generate_inputs(d, w, 3, 0, ".");
  auto fresh = generate_inputs(d, w, 3, 1, ".");
  auto set = prev;
  perturb_inputs(d, w, 3, 1, 0x1234, set);
  for (size_t i = 0; i < set.size(); ++i) {
    const size_t n = set[i].numel(), es = dtype_size(set[i].dtype);
    size_t changed = 0;
    for (size_t k = 0; k < n; ++k) {
      const uint8_t* p = set[i].data.data() + k * es;
      if (std::memcmp(p, prev[i].data.data() + k * es, es) == 0) continue;
      ++changed;
      EXPECT_EQ(std::memcmp(p, fresh[i].data.data() + k * es, es), 0) << set[i].name << " element " << k;
    }
    EXPECT_LE(changed, 1 + n / 4096) << set[i].name;
    if (set[i].dtype != DType::kBool && set[i].dtype != DType::kUInt8) {
      EXPECT_GE(changed, 2u) << set[i].name;
    }
  }
}

}  // namespace kda
