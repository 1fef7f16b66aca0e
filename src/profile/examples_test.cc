// Real H100 reports of the project's own example kernels (testdata/h100_examples/README.md).
// These kernels are simple and well written; the diagnosis must say what bounds them and must
// not invent problems that their metrics contradict.
#include <gtest/gtest.h>

#include <algorithm>

#include "profile/report.h"
#include "profile/test_util.h"

namespace kda::profile {
namespace {

std::vector<std::string> categories(const Kernel& k) {
  std::vector<std::string> c;
  for (const Finding& f : k.findings) c.push_back(f.category);
  return c;
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

Report load(const std::string& dir) { return load_report({testing::testdata() / "h100_examples" / dir}); }

}  // namespace

TEST(ExampleReports, VectorAddIsNearTheRoofAndCoalesced) {
  Report r = load("vector_add__cuda_vec4");
  ASSERT_EQ(r.kernels.size(), 2u);
  for (const Kernel& k : r.kernels) {
    auto c = categories(k);
    ASSERT_FALSE(c.empty());
    EXPECT_EQ(c.front(), "near-roofline") << k.name;
    EXPECT_FALSE(has(c, "uncoalesced-global")) << "128-bit loads move 16 sectors per request by design";
  }
}

TEST(ExampleReports, RowKernelsAreMemoryOrComputeBoundWithoutTensorFindings) {
  for (const char* dir : {"rmsnorm__cuda_warp", "softmax__cuda_warp", "softmax_bf16__cuda_warp"}) {
    Report r = load(dir);
    ASSERT_EQ(r.kernels.size(), 2u) << dir;
    for (const Kernel& k : r.kernels) {
      auto c = categories(k);
      ASSERT_FALSE(c.empty()) << dir;
      EXPECT_TRUE(c.front() == "dram-bound" || c.front() == "compute-bound" || c.front() == "near-roofline")
          << dir << ": " << c.front();
      EXPECT_FALSE(has(c, "tensor-core-underused")) << dir << " executes no tensor-core math";
      EXPECT_FALSE(has(c, "uncoalesced-global")) << dir;
    }
  }
}

}  // namespace kda::profile
