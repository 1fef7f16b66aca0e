// The CUDA backend end to end. Needs an NVIDIA GPU: on machines without one (CI) every test
// here is reported as SKIPPED, never as passed. Run on the H100 by scripts/device/run.sh.
#include <gtest/gtest.h>

#include "core/fs.h"
#include "core/subprocess.h"
#include "tests/e2e_support.h"

namespace kda::e2e {
namespace fs = std::filesystem;

namespace {

bool have_gpu() {
  auto r = run_process({.argv = {"nvidia-smi", "-L"}, .timeout = std::chrono::seconds(20)});
  return r.ok() && r.out.find("GPU") != std::string::npos;
}

#define REQUIRE_GPU() \
  if (!have_gpu()) GTEST_SKIP() << "no NVIDIA GPU on this machine (nvidia-smi -L found none)"

}  // namespace

class CudaExample : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaExample, ImprovedCandidatePassesEveryWorkload) {
  REQUIRE_GPU();
  TempDir dir("kda-cuda-test");
  fs::path task = init_task(dir.path(), GetParam());
  auto r = kda({"eval", task.string(), "--backend", "cuda", "--workloads", "all", "--json", "--budget", "0.5"},
               dir.path() / "cache");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto traces = traces_of(r.out);
  ASSERT_FALSE(traces.empty());
  for (const Json& t : traces) EXPECT_EQ(t["evaluation"]["status"], "PASSED") << t.dump();
}

INSTANTIATE_TEST_SUITE_P(Examples, CudaExample, ::testing::Values("vector_add", "softmax", "softmax_bf16", "rmsnorm"));

TEST(CudaRedTeam, EachGetsItsVerdict) {
  REQUIRE_GPU();
  TempDir dir("kda-cuda-redteam");
  fs::path task = init_task(dir.path(), "vector_add");
  write_vector_add_workloads(task, {4097, 1 << 20});
  Json expected = read_json_file(fs::path(KDA_SOURCE_DIR) / "tests/redteam/EXPECTED.json");
  for (auto& [name, want] : expected.items()) {
    if (name.rfind("cuda_", 0) != 0) continue;
    auto r = kda({"eval", task.string(), (fs::path(KDA_SOURCE_DIR) / "tests/redteam" / name).string(), "--backend",
                  "cuda", "--json", "--timeout", "5", "--budget", "0.2"},
                 dir.path() / "cache");
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    for (const Json& t : traces_of(r.out)) {
      EXPECT_EQ(t["evaluation"]["status"], want["status"]) << name << ": " << t.dump();
      EXPECT_EQ(t["kda"]["reason_code"], want["reason_code"]) << name;
    }
  }
}

}  // namespace kda::e2e
