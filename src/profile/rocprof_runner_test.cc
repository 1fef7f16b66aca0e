// kda profile run --backend hip's profiler handling, against a fake Runner: the command lines it
// runs, and the reading of what the profilers leave behind. rocprof-compute's output is real
// (the MI300X and MI200 fixtures, copied where `rocprof-compute profile -p` puts them:
// <path>/<gpu model>/); rocprofv3's is a small table in its documented CSV layout, written here,
// since no real rocprofv3 output is among the fixtures.
#include "profile/rocprof_runner.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/fs.h"
#include "profile/report.h"
#include "profile/test_util.h"

namespace kda::profile {
namespace {
namespace fs = std::filesystem;

std::string after(const std::vector<std::string>& argv, const std::string& flag) {
  auto it = std::find(argv.begin(), argv.end(), flag);
  return it == argv.end() || it + 1 == argv.end() ? "" : *(it + 1);
}

class FakeRocprof : public Runner {
 public:
  bool has_v3 = true, has_compute = true;
  fs::path compute_fixture;  ///< copied under -p PATH/MI300X/
  int v3_exit = 0;
  std::vector<std::vector<std::string>> calls;
  ProcessResult run(const ProcessSpec& spec) override {
    calls.push_back(spec.argv);
    ProcessResult r;
    r.exit_code = 0;
    if (spec.argv[0] == "rocprofv3") {
      r.exit_code = v3_exit;
      const fs::path d = fs::path(after(spec.argv, "-d")) / "host" / "1234";
      write_file_atomic(d / "kda_kernel_trace.csv",
                        "\"Kind\",\"Agent_Id\",\"Queue_Id\",\"Kernel_Id\",\"Kernel_Name\",\"Correlation_Id\",\"Start_Timestamp\","
                        "\"End_Timestamp\",\"Private_Segment_Size\",\"Group_Segment_Size\",\"Workgroup_Size_X\",\"Grid_Size_X\","
                        "\"Dispatch_Id\"\n"
                        "\"KERNEL_DISPATCH\",1,1,7,\"vecCopy(double*, double*, double*, int, int)\",1,1000,41000,0,0,256,1048576,1\n");
      write_file_atomic(d / "kda_counter_collection.csv",
                        "\"Correlation_Id\",\"Dispatch_Id\",\"Agent_Id\",\"Queue_Id\",\"Process_Id\",\"Thread_Id\",\"Grid_Size\","
                        "\"Kernel_Id\",\"Kernel_Name\",\"Workgroup_Size\",\"LDS_Block_Size\",\"Scratch_Size\",\"VGPR_Count\","
                        "\"Accum_VGPR_Count\",\"SGPR_Count\",\"Counter_Name\",\"Counter_Value\",\"Start_Timestamp\",\"End_Timestamp\"\n"
                        "1,1,1,1,1234,1234,1048576,7,\"vecCopy(double*, double*, double*, int, int)\",256,0,0,8,0,16,"
                        "\"SQ_WAVES\",16384,1000,41000\n");
      write_file_atomic(d / "kda_agent_info.csv", "\"Node_Id\"\n1\n");
    } else if (!compute_fixture.empty()) {
      const fs::path p = fs::path(after(spec.argv, "-p")) / "MI300X";
      fs::create_directories(p);
      for (auto& e : fs::directory_iterator(compute_fixture)) fs::copy_file(e.path(), p / e.path().filename());
    }
    return r;
  }
  bool has_program(const std::string& name) override {
    return name == "rocprofv3" ? has_v3 : name == "rocprof-compute" ? has_compute : false;
  }
};

RocprofOptions options(const fs::path& out) {
  RocprofOptions o;
  o.command = {"./app", "--n", "1024"};
  o.out_dir = out;
  o.kernel_regex = "vecCopy";
  return o;
}

TEST(RocprofRunner, CommandLines) {
  const auto cmds = rocprof_commands(options("/o"), true);
  ASSERT_EQ(cmds.size(), 2u);
  const std::vector<std::string> v3 = {"rocprofv3", "--kernel-trace", "--pmc", "GRBM_GUI_ACTIVE", "SQ_WAVES",
                                       "SQ_BUSY_CU_CYCLES", "SQ_ACTIVE_INST_VALU", "SQ_THREAD_CYCLES_VALU",
                                       "SQ_VALU_MFMA_BUSY_CYCLES", "-d", "/o/rocprofv3", "-o", "kda", "--output-format",
                                       "csv", "--kernel-include-regex", "vecCopy", "--", "./app", "--n", "1024"};
  EXPECT_EQ(cmds[0], v3);
  const std::vector<std::string> compute = {"rocprof-compute", "profile", "-n", "kda", "-p", "/o/rocprof-compute",
                                            "-k", "vecCopy", "--", "./app", "--n", "1024"};
  EXPECT_EQ(cmds[1], compute);
  EXPECT_EQ(rocprof_commands(options("/o"), false).size(), 1u);
}

TEST(RocprofRunner, RealMi300xOutputIsAnalyzed) {
  const fs::path fixture = testing::rocprof_dir() / "mi300x_vcopy";
  if (!fs::exists(fixture / "pmc_perf.csv")) GTEST_SKIP() << "rocprof fixtures not found at " << fixture;
  TempDir t("rocprof-run");
  FakeRocprof fake;
  fake.compute_fixture = fixture;
  std::vector<std::string> warnings;
  const auto files = run_rocprof(options(t.path()), fake, &warnings);
  EXPECT_TRUE(warnings.empty());
  ASSERT_EQ(fake.calls.size(), 2u);
  auto has = [&](const char* n) { return std::find(files.begin(), files.end(), t.path() / n) != files.end(); };
  EXPECT_TRUE(has("pmc_perf.csv"));
  EXPECT_TRUE(has("sysinfo.csv"));
  // rocprofv3's tables stay in rocprofv3/: its dispatch ids count from 1, rocprof-compute's from 0.
  EXPECT_FALSE(has("kernel_trace.csv"));
  EXPECT_FALSE(has("counter_collection.csv"));
  EXPECT_TRUE(fs::exists(t.path() / "rocprofv3" / "host" / "1234" / "kda_kernel_trace.csv"));
  Report r = load_report(files);
  EXPECT_EQ(r.tool, "rocprof");
  ASSERT_EQ(r.kernels.size(), 3u);  // the fixture's three dispatches
  EXPECT_EQ(r.kernels[0].short_name(), "vecCopy");
  EXPECT_DOUBLE_EQ(r.kernels[0].qv("sm_count"), 304);  // MI300X's CUs, from the real sysinfo.csv
  EXPECT_DOUBLE_EQ(r.kernels[0].qv("threads_per_inst"), 32);
}

TEST(RocprofRunner, WithoutRocprofComputeOnlyRocprofv3Runs) {
  TempDir t("rocprof-run");
  FakeRocprof fake;
  fake.has_compute = false;
  std::vector<std::string> warnings;
  const auto files = run_rocprof(options(t.path()), fake, &warnings);
  ASSERT_EQ(fake.calls.size(), 1u);
  EXPECT_EQ(fake.calls[0][0], "rocprofv3");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].filename(), "counter_collection.csv");
  // The counters of dispatch 1 are one kernel, with its duration from the table's timestamps.
  Report r = load_report(files);
  ASSERT_EQ(r.kernels.size(), 1u);
  EXPECT_EQ(r.kernels[0].short_name(), "vecCopy");
  EXPECT_DOUBLE_EQ(r.kernels[0].qv("duration_ns"), 40000);
}

TEST(RocprofRunner, MissingOrFailingRocprofv3IsAnEnvironmentError) {
  TempDir t("rocprof-run");
  FakeRocprof fake;
  std::vector<std::string> warnings;
  fake.has_v3 = false;
  try {
    run_rocprof(options(t.path()), fake, &warnings);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kEnvironment);
    EXPECT_NE(std::string(e.what()).find("rocprofv3 was not found"), std::string::npos) << e.what();
  }
  fake.has_v3 = true;
  fake.v3_exit = 1;
  try {
    run_rocprof(options(t.path()), fake, &warnings);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kEnvironment);
    EXPECT_NE(std::string(e.what()).find("rocprofv3 failed"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kda::profile
