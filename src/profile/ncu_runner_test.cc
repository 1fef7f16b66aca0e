// kda profile run's ncu handling, against a fake Runner: argv, exported pages, and the errors
// for a missing ncu, ERR_NVGPUCTRPERM and a failing profile.
#include "profile/ncu_runner.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/fs.h"
#include "profile/replay_runner.h"
#include "profile/report.h"
#include "profile/test_util.h"

namespace kda::profile {
namespace {

class FakeRunner : public Runner {
 public:
  bool has_ncu = true;
  ProcessResult profile_result;
  std::vector<std::vector<std::string>> calls;
  ProcessResult run(const ProcessSpec& spec) override {
    calls.push_back(spec.argv);
    auto has = [&](const std::string& a) { return std::find(spec.argv.begin(), spec.argv.end(), a) != spec.argv.end(); };
    if (!has("--import")) return profile_result;
    ProcessResult r;
    r.exit_code = 0;
    if (has("details"))
      r.out = "\"ID\",\"Kernel Name\",\"Block Size\",\"Grid Size\",\"Section Name\",\"Metric Name\",\"Metric Unit\",\"Metric Value\"\n"
              "\"0\",\"void scale<float>(float *, int)\",\"(256, 1, 1)\",\"(4, 1, 1)\",\"GPU Speed Of Light Throughput\",\"Duration\",\"us\",\"3.50\"\n"
              "\"0\",\"void scale<float>(float *, int)\",\"(256, 1, 1)\",\"(4, 1, 1)\",\"Launch Statistics\",\"Grid Size\",\"\",\"4\"\n"
              "\"0\",\"void scale<float>(float *, int)\",\"(256, 1, 1)\",\"(4, 1, 1)\",\"Launch Statistics\",\"# SMs\",\"SM\",\"132\"\n";
    else if (has("raw"))
      r.out = "\"ID\",\"Kernel Name\",\"gpu__time_duration.sum\"\n\"\",\"\",\"ns\"\n\"0\",\"void scale<float>(float *, int)\",\"3,500\"\n";
    else if (has("source"))
      r.out = "\"Line No\",\"Source\"\n\"1\",\".version 9.0\"\n";
    return r;
  }
  bool has_program(const std::string&) override { return has_ncu; }
};

TEST(NcuRunner, ProfilesAndExportsThePages) {
  FakeRunner fake;
  fake.profile_result.exit_code = 0;
  auto dir = make_temp_dir("kda-ncu-test-");
  RunOptions opt;
  opt.command = {"./candidate", "--n", "4"};
  opt.out_dir = dir;
  opt.clock_control_none = true;
  auto files = run_profile(opt, fake);
  ASSERT_FALSE(fake.calls.empty());
  const auto& argv = fake.calls.front();
  std::string joined;
  for (const auto& a : argv) joined += a + " ";
  EXPECT_NE(joined.find("ncu --set full --import-source yes"), std::string::npos) << joined;
  EXPECT_NE(joined.find("--clock-control none"), std::string::npos);
  EXPECT_NE(joined.find("./candidate --n 4"), std::string::npos);
  for (const char* f : {"details.csv", "raw.csv", "raw_instances.csv", "source_scale.csv", "source_ptx_scale.csv", "ncu.log"})
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  // The exported pages analyze: one kernel, too few blocks for the GPU.
  Report r = load_report({dir});
  ASSERT_EQ(r.kernels.size(), 1u);
  ASSERT_FALSE(r.kernels[0].findings.empty());
  EXPECT_EQ(r.kernels[0].findings[0].category, "grid-too-small");
  std::filesystem::remove_all(dir);
}

TEST(NcuRunner, MissingNcuSaysWhatToInstall) {
  FakeRunner fake;
  fake.has_ncu = false;
  RunOptions opt;
  opt.command = {"./x"};
  opt.out_dir = "unused";
  try {
    run_profile(opt, fake);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kEnvironment);
    EXPECT_NE(std::string(e.what()).find("KDA_NCU"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fake.calls.empty());
}

TEST(NcuRunner, CounterPermissionErrorExplainsTheFix) {
  FakeRunner fake;
  fake.profile_result.exit_code = 0;  // some ncu versions exit 0 and print the error
  fake.profile_result.out = "==ERROR== ERR_NVGPUCTRPERM - The user does not have permission to access NVIDIA GPU Performance Counters";
  auto dir = make_temp_dir("kda-ncu-test-");
  RunOptions opt{{"./x"}, dir};
  try {
    run_profile(opt, fake);
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::kEnvironment);
    EXPECT_NE(m.find("NVreg_RestrictProfilingToAdminUsers=0"), std::string::npos) << m;
    EXPECT_NE(m.find("sudo"), std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST(NcuRunner, FailingProfileShowsNcuOutput) {
  FakeRunner fake;
  fake.profile_result.exit_code = 1;
  fake.profile_result.err = "==ERROR== The application returned an error code (1).";
  auto dir = make_temp_dir("kda-ncu-test-");
  RunOptions opt{{"./x"}, dir};
  try {
    run_profile(opt, fake);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("returned an error code"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(NcuRunner, NcuRepIsReadThroughNcuImport) {
  auto dir = make_temp_dir("kda-ncu-test-");
  write_file_atomic(dir / "r.ncu-rep", "binary");
  FakeRunner fake;
  Report r = load_report({dir / "r.ncu-rep"}, &fake);
  ASSERT_EQ(r.kernels.size(), 1u);
  EXPECT_EQ(r.kernels[0].short_name(), "scale");
  EXPECT_EQ(fake.calls.front().at(1), "--import");
  fake.has_ncu = false;
  try {
    load_report({dir / "r.ncu-rep"}, &fake);
    FAIL() << "a .ncu-rep without ncu must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kEnvironment);
  }
  std::filesystem::remove_all(dir);
}

TEST(NcuRunner, RefusesAnEmptyCommand) {
  FakeRunner fake;
  RunOptions opt;
  try {
    run_profile(opt, fake);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
  }
}

// The replayed H100 export goes through run_profile and the export like a real ncu's: the NVTX
// filter and the launch count reach the command line, a skipped kernel's source pages are never
// asked for, and a page nothing can read is a warning beside the other kernels' findings.
TEST(ReplayRunner, RecordedPagesGoThroughTheWholeExportAndAnalysis) {
  KDA_REQUIRE_H100_FIXTURES();
  ReplayRunner replay(testing::h100_dir());
  auto dir = make_temp_dir("kda-replay-test-");
  RunOptions opt;
  opt.command = {"kda-runner", "--requests", "r.kdaw"};
  opt.out_dir = dir;
  opt.launch_count = 20;
  opt.nvtx_ranges = {"kda_candidate"};
  opt.skip_kernels = {"copy_strided"};
  run_profile(opt, replay);
  std::string first;
  for (const auto& a : replay.calls().front()) first += a + " ";
  EXPECT_NE(first.find("-c 20 --nvtx --nvtx-include kda_candidate/ kda-runner --requests r.kdaw"), std::string::npos) << first;
  for (const auto& call : replay.calls())
    for (const auto& a : call) EXPECT_EQ(a.find("copy_strided"), std::string::npos) << "a skipped kernel's page was exported";
  EXPECT_TRUE(std::filesystem::exists(dir / "source_tiny_grid.csv"));
  EXPECT_FALSE(std::filesystem::exists(dir / "source_ptx_tiny_grid.csv")) << "an empty export leaves no file";
  write_file_atomic(dir / "source_ptx_tiny_grid.csv", "\"Kernel\",\"Note\"\n\"tiny_grid\",\"unreadable\"\n");
  Report r = load_report({dir});
  EXPECT_EQ(r.kernels.size(), 15u);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("source_ptx_tiny_grid.csv:1: not a recognized"), std::string::npos) << r.warnings[0];
  // The same page named alone is the whole report: refused with its file and line.
  try {
    load_report({dir / "source_ptx_tiny_grid.csv"});
    FAIL() << "an unreadable single page was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
  }
  drop_kernels(r, {"tiny_grid", "divergent"});
  EXPECT_EQ(r.kernels.size(), 13u);
  EXPECT_EQ(r.excluded.size(), 2u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kda::profile
