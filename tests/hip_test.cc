// The HIP backend on a machine without an AMD GPU (CI, and every machine kda has run on so far):
// what can be checked without one is checked for real. `kda eval --backend hip` stops at once
// with exit 6 and one line naming what is missing; `kda-runner --backend hip` hands the process to
// kda-runner-hip, whose HIP device (gpu_device.cc compiled against the HIP runtime) reports that
// the runtime finds no GPU; and kda-runner-hip, which links the HIP runtime, runs a whole CPU
// evaluation (its session and protocol are kda-runner's). The GPU device itself runs only on
// CUDA (cuda_test.cc, on the H200): the same source, compiled for the other vendor.
// On a machine with a ROCm GPU the no-GPU tests are SKIPPED.
#include <gtest/gtest.h>

#include <sstream>

#include "core/fs.h"
#include "core/subprocess.h"
#include "tests/e2e_support.h"

namespace kda::e2e {
namespace fs = std::filesystem;

namespace {

bool have_rocm_gpu() { return fs::exists("/dev/kfd"); }

#define REQUIRE_NO_ROCM_GPU() \
  if (have_rocm_gpu()) GTEST_SKIP() << "this machine has /dev/kfd (a ROCm GPU): the no-GPU behaviour cannot be seen here"

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

}  // namespace

TEST(HipBackend, EvalWithoutRocmGpuExitsSixWithOneLine) {
  REQUIRE_NO_ROCM_GPU();
  TempDir dir("kda-hip-test");
  fs::path task = init_task(dir.path(), "vector_add");
  auto r = kda({"eval", task.string(), "--backend", "hip"}, dir.path() / "cache");
  EXPECT_EQ(r.exit_code, 6) << r.err;
  const auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_EQ(lines[0].rfind("kda: error: --backend hip needs", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("a ROCm GPU (/dev/kfd is absent"), std::string::npos) << lines[0];
  EXPECT_TRUE(r.out.empty()) << r.out;
}

#ifdef KDA_RUNNER_HIP_BIN
TEST(HipBackend, KdaRunnerHandsHipToTheHipRunner) {
  REQUIRE_NO_ROCM_GPU();
  TempDir dir("kda-hip-runner");
  write_file_atomic(dir.path() / "requests", "");
  auto r = run_process({.argv = {KDA_RUNNER_BIN, "--backend", "hip", "--library", (dir.path() / "none.so").string(),
                                 "--no-sandbox", "--requests", (dir.path() / "requests").string(), "--responses",
                                 (dir.path() / "responses").string()},
                        .timeout = std::chrono::seconds(60)});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  // Written by gpu_device.cc's make_hip_device inside kda-runner-hip: the HIP runtime ran and
  // found no device. kda-runner itself would have said it has no HIP backend.
  const std::string responses = read_file(dir.path() / "responses");
  EXPECT_NE(responses.find("no ROCm GPU: hipGetDeviceCount returned hipErrorNoDevice"), std::string::npos) << responses;
}

// --no-sandbox: Debian 12's libamdhip64.so.5 is marked as needing an executable stack, so once it
// is loaded glibc maps every new thread's stack executable, which the sealed sandbox forbids
// (the runner dies of SIGSYS at the CPU calibration's first thread; docs/amd.md, "Known problems").
TEST(HipBackend, HipRunnerRunsACpuEvaluation) {
  TempDir dir("kda-hip-cpu");
  fs::path task = init_task(dir.path(), "vector_add");
  write_vector_add_workloads(task, {4097});
  auto r = kda({"eval", task.string(), (task / "solutions" / "cpp_omp").string(), "--backend", "cpu", "--json",
                "--budget", "0.2", "--no-sandbox"},
               dir.path() / "cache", {{"KDA_RUNNER", KDA_RUNNER_HIP_BIN}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto traces = traces_of(r.out);
  ASSERT_EQ(traces.size(), 1u) << r.out;
  EXPECT_EQ(traces[0]["evaluation"]["status"], "PASSED") << traces[0].dump();
}
#endif

}  // namespace kda::e2e
