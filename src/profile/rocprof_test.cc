// The AMD reader: real rocprof-compute output (shared fixtures), a hand-written LDS sample in
// rocprof-compute layout and one in rocprofv3 counter-collection layout.
#include "profile/rocprof.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "core/error.h"
#include "profile/render.h"
#include "profile/report.h"
#include "profile/roofline.h"
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


const Finding* finding(const Kernel& k, const char* category) {
  for (const auto& f : k.findings)
    if (f.category == category) return &f;
  return nullptr;
}

bool listed_missing(const Kernel& k, const std::string& q) {
  return std::find(k.missing.begin(), k.missing.end(), q) != k.missing.end();
}

// rocprofv3's counter collection is long: one row per counter per dispatch. Each dispatch is one
// kernel holding all its counters, whether the directory or the file itself is given.
TEST(Rocprof, Rocprofv3CounterRowsArePivotedPerDispatch) {
  const auto dir = testing::testdata() / "rocprofv3_lds";
  for (const auto& input : {dir, dir / "51234_counter_collection.csv"}) {
    Report r = load_report({input});
    EXPECT_EQ(r.tool, "rocprof");
    ASSERT_EQ(r.kernels.size(), 2u) << input;
    const Kernel& k = r.kernels[0];
    EXPECT_EQ(k.id, "7");
    EXPECT_EQ(k.name, "transpose_lds(float*, float const*, int)");
    EXPECT_DOUBLE_EQ(k.qv("shared_bank_conflicts"), 2400000);
    EXPECT_DOUBLE_EQ(k.qv("shared_wavefronts"), 3000000);
    EXPECT_DOUBLE_EQ(k.qv("duration_ns"), 40000);
    EXPECT_DOUBLE_EQ(k.qv("grid_size"), 4096);  // 1048576 work-items in workgroups of 256
    EXPECT_DOUBLE_EQ(k.qv("registers_per_thread"), 24);
    EXPECT_EQ(k.grid, "4096");
    EXPECT_EQ(k.block, "256");
    const Finding* f = finding(k, "shared-bank-conflict");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->severity, "high");  // 80 % of LDS cycles stalled, LDS busy half the busy CU cycles
    EXPECT_GT(f->estimated_speedup_pct, 30);
    EXPECT_EQ(finding(r.kernels[1], "shared-bank-conflict"), nullptr);
    EXPECT_EQ(r.kernels[1].short_name(), "transpose_lds_padded");
  }
}

TEST(Rocprof, Rocprofv3RowsOfOneDispatchMustAgreeOnTheKernel) {
  auto csv = parse_csv(
      "\"Dispatch_Id\",\"Kernel_Name\",\"Counter_Name\",\"Counter_Value\"\n"
      "1,\"a(int)\",\"SQ_WAVES\",4\n1,\"b(int)\",\"SQ_WAVES\",4\n",
      "cc.csv");
  try {
    read_rocprof({&csv});
    FAIL() << "expected an input error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("cc.csv:3:"), std::string::npos) << e.what();
  }
}

// The MI200 dispatch: the launch shape, the roofline (measured peaks of roofline.csv, HBM bytes/s),
// achieved occupancy from the SQ_LEVEL_WAVES pass, and only AMD quantities listed as missing.
TEST(Rocprof, RealMi200LaunchRooflineOccupancyAndMissing) {
  auto dir = testing::rocprof_dir() / "mi200_dispatch_0";
  if (!std::filesystem::exists(dir / "roofline.csv")) GTEST_SKIP() << "rocprof fixtures not found at " << dir;
  Report r = load_report({dir});
  ASSERT_EQ(r.kernels.size(), 1u);  // the level passes are merged into their dispatch
  const Kernel& k = r.kernels[0];
  EXPECT_EQ(k.grid, "4096");
  EXPECT_EQ(k.block, "256");
  EXPECT_NE(to_markdown(r).find("launch: grid 4096 x block 256;"), std::string::npos) << to_markdown(r);

  Roofline roof = compute_roofline(k);
  EXPECT_DOUBLE_EQ(roof.peak_bytes_per_s, 1388.7638e9);  // roofline.csv HBMBw, device 0
  EXPECT_DOUBLE_EQ(roof.peak_flops_per_s, 20937.773e9);  // FP32Flops
  // The same HBM traffic as dram_pct, which is against sysinfo's hbm_bw (1638.4 GB/s).
  ASSERT_GT(k.qv("dram_pct"), 0);
  EXPECT_NEAR(roof.bytes_per_s, k.qv("dram_pct") / 100 * 1638.4e9, 1e3);
  EXPECT_EQ(roof.bound, "memory");  // a copy does no floating-point math
  EXPECT_DOUBLE_EQ(roof.flops_per_s, 0);
  EXPECT_NEAR(roof.pct_of_roof, 100 * roof.bytes_per_s / 1388.7638e9, 1e-9);
  Json j = to_json(r)["kernels"][0];
  EXPECT_GT(j["roofline"]["dram_bytes_per_s"].get<double>(), 0);

  // SQ_ACCUM_PREV_HIRES / GRBM_GUI_ACTIVE of the SQ_LEVEL_WAVES pass = mean resident waves;
  // over 104 CUs x 32 wave slots.
  ASSERT_TRUE(k.q("achieved_occupancy_pct"));
  EXPECT_NEAR(k.qv("achieved_occupancy_pct"), 100.0 * 43312188 / 27505 / (104 * 32), 1e-9);
  EXPECT_FALSE(j["achieved_occupancy_pct"].is_null());

  for (const auto& q : k.missing) {
    EXPECT_NE(q.rfind("stall.", 0), 0u) << q << " is an NVIDIA warp-stall metric";
    EXPECT_NE(q, "limit_registers");
    EXPECT_NE(q, "l1_pct");
  }
}

// 91 % of LDS-active cycles stalled by bank conflicts is not a "low", 0 % finding: without an L1
// figure, the LDS's own utilization weighs the conflicts.
TEST(Rocprof, LdsBankConflictEstimateUsesLdsUtilization) {
  Report r = load_report({testing::testdata() / "rocprof_lds"});
  ASSERT_EQ(r.kernels.size(), 2u);
  const Finding* f = finding(r.kernels[0], "shared-bank-conflict");
  ASSERT_NE(f, nullptr);
  EXPECT_GT(f->estimated_speedup_pct, 0);
  EXPECT_NE(f->severity, "low");
  bool cites_utilization = false;
  for (const auto& e : f->evidence) cites_utilization |= e.metric == "lds_busy_pct";
  EXPECT_TRUE(cites_utilization);
  EXPECT_FALSE(listed_missing(r.kernels[0], "stall.barrier"));
}

}  // namespace
}  // namespace kda::profile
