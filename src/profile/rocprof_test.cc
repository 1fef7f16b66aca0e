// The AMD reader: real rocprof-compute output (shared fixtures) and a hand-written LDS sample.
#include "profile/rocprof.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "profile/report.h"
#include "profile/test_util.h"

namespace kda::profile {
namespace {

TEST(Rocprof, RealMi300xVcopy) {
  auto dir = testing::rocprof_dir() / "mi300x_vcopy";
  if (!std::filesystem::exists(dir / "pmc_perf.csv")) GTEST_SKIP() << "rocprof fixtures not found at " << dir;
  Report r = load_report({dir});
  EXPECT_EQ(r.tool, "rocprof");
  ASSERT_FALSE(r.kernels.empty());
  const Kernel& k = r.kernels[0];
  EXPECT_EQ(k.short_name(), "vecCopy");
  EXPECT_EQ(k.name.find(".kd"), std::string::npos) << k.name;
  EXPECT_DOUBLE_EQ(k.qv("grid_size"), 1048576.0 / 256);
  EXPECT_DOUBLE_EQ(k.qv("sm_count"), 304);  // CUs, from sysinfo.csv
  // 32 * SQ_THREAD_CYCLES_VALU / (SQ_ACTIVE_INST_VALU * 64): every lane active in a copy.
  EXPECT_DOUBLE_EQ(k.qv("threads_per_inst"), 32);
  // This fixture's timestamps were rounded to 8.1097E+14 (start == end): no duration and so no
  // HBM bandwidth; both are reported missing, not invented.
  auto missing = [&](const char* q) { return std::find(k.missing.begin(), k.missing.end(), q) != k.missing.end(); };
  EXPECT_TRUE(missing("duration_ns"));
  EXPECT_TRUE(missing("dram_pct"));
}

TEST(Rocprof, RealMi200Dispatch) {
  auto dir = testing::rocprof_dir() / "mi200_dispatch_0";
  if (!std::filesystem::exists(dir / "pmc_perf.csv")) GTEST_SKIP() << "rocprof fixtures not found at " << dir;
  Report r = load_report({dir / "pmc_perf.csv"});
  ASSERT_EQ(r.kernels.size(), 1u);
  EXPECT_GT(r.kernels[0].qv("duration_ns"), 0);
  EXPECT_DOUBLE_EQ(r.kernels[0].qv("registers_per_thread"), 8);
  EXPECT_FALSE(r.kernels[0].missing.empty());  // most NVIDIA quantities do not exist here
}

TEST(Rocprof, LdsBankConflictsBecomeTheSameFinding) {
  Report r = load_report({testing::testdata() / "rocprof_lds"});
  ASSERT_EQ(r.kernels.size(), 2u);
  auto has = [](const Kernel& k, const char* c) {
    for (const auto& f : k.findings)
      if (f.category == c) return true;
    return false;
  };
  EXPECT_TRUE(has(r.kernels[0], "shared-bank-conflict"));
  EXPECT_FALSE(has(r.kernels[1], "shared-bank-conflict"));
}

}  // namespace
}  // namespace kda::profile
