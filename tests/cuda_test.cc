// The CUDA backend end to end. Needs an NVIDIA GPU: on machines without one (CI) every test
// here is reported as SKIPPED, never as passed. Run on the H100 by scripts/device/run.sh.
#include <gtest/gtest.h>

#include <map>

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
    if (name.rfind("cuda_", 0) != 0 || want.contains("timed_like")) continue;
    auto r = kda({"eval", task.string(), (fs::path(KDA_SOURCE_DIR) / "tests/redteam" / name).string(), "--backend",
                  "cuda", "--json", "--timeout", "5", "--budget", "0.2"},
                 dir.path() / "cache");
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    for (const Json& t : traces_of(r.out)) {
      EXPECT_EQ(t["kda"]["status"], want["status"]) << name << ": " << t.dump();
      EXPECT_EQ(t["kda"]["reason_code"], want["reason_code"]) << name;
    }
  }
}

// The stream red team (issue 14 §2): candidates that hide work from the timed stream (a private
// stream, the legacy stream, a host thread launching later, work released after the call returns,
// a padded timed stream, batch detection) are either not PASSED or timed no faster than the honest
// kernel (cuda_plain) on every workload, tiny ones included; the honest fork-and-join candidate
// is timed like it. Latencies are compared as ratios within one session's runs of the same task.
TEST(CudaRedTeam, StreamTricksAreTimedLikeTheHonestKernel) {
  REQUIRE_GPU();
  TempDir dir("kda-cuda-streams");
  fs::path task = init_task(dir.path(), "vector_add");
  write_vector_add_workloads(task, {1, 4097, 1 << 20, 1 << 24});
  Json expected = read_json_file(fs::path(KDA_SOURCE_DIR) / "tests/redteam/EXPECTED.json");
  auto latencies = [&](const std::string& name) {
    auto r = kda({"eval", task.string(), (fs::path(KDA_SOURCE_DIR) / "tests/redteam" / name).string(), "--backend",
                  "cuda", "--json", "--timeout", "5", "--budget", "0.5"},
                 dir.path() / "cache");
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    std::map<std::string, Json> by_workload;
    for (const Json& t : traces_of(r.out)) {
      EXPECT_EQ(t["kda"]["environment"]["timer"], "cupti") << name << ": this device should time with CUPTI";
      by_workload[t["workload"]["uuid"].get<std::string>()] = t;
    }
    return by_workload;
  };
  auto plain = latencies("cuda_plain");
  ASSERT_EQ(plain.size(), 4u);
  for (auto& [name, want] : expected.items()) {
    if (!want.contains("timed_like")) continue;
    for (auto& [uuid, t] : latencies(name)) {
      const Json& honest = plain.at(uuid);
      ASSERT_EQ(honest["evaluation"]["status"], "PASSED") << honest.dump();
      if (want.contains("within")) {
        ASSERT_EQ(t["evaluation"]["status"], "PASSED") << name << ": " << t.dump();
      }
      if (t["evaluation"]["status"] != "PASSED") continue;  // caught another way: fine
      const double ratio = t["evaluation"]["performance"]["latency_ms"].get<double>() /
                           honest["evaluation"]["performance"]["latency_ms"].get<double>();
      if (want.contains("within")) {
        EXPECT_NEAR(ratio, 1.0, want["within"].get<double>()) << name << " on " << uuid;
      } else {
        EXPECT_GE(ratio, want["not_faster_than"].get<double>()) << name << " on " << uuid << " was reported faster";
      }
    }
  }
}

}  // namespace kda::e2e
