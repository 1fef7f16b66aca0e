#include "task/inputs.h"

#include <gtest/gtest.h>

#include <cmath>

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
