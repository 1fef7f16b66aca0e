// Every red-team candidate under tests/redteam/ must get exactly the verdict EXPECTED.json names,
// on every workload, through the real CLI, runner and sandbox (DESIGN §4 rules 1-8).
#include <gtest/gtest.h>

#include <thread>

#include "core/fs.h"
#include "tests/e2e_support.h"

namespace kda::e2e {
namespace fs = std::filesystem;

namespace {

class RedTeam : public ::testing::TestWithParam<std::string> {
 public:
  static void SetUpTestSuite() {
    dir_ = new TempDir("kda-redteam");
    task_ = init_task(dir_->path(), "vector_add");
    write_vector_add_workloads(task_, {4097, 65536});
  }
  static void TearDownTestSuite() { delete dir_; }

 protected:
  static TempDir* dir_;
  static fs::path task_;
};
TempDir* RedTeam::dir_ = nullptr;
fs::path RedTeam::task_;

Json expected_table() { return read_json_file(fs::path(KDA_SOURCE_DIR) / "tests/redteam/EXPECTED.json"); }

std::vector<std::string> cpu_candidates() {
  std::vector<std::string> names;
  if (!fs::exists(fs::path(KDA_SOURCE_DIR) / "tests/redteam/EXPECTED.json")) return names;
  const Json table = expected_table();
  for (auto& [name, _] : table.items())
    if (name.rfind("cuda_", 0) != 0) names.push_back(name);
  return names;
}

}  // namespace

TEST_P(RedTeam, GetsItsSpecificNonPassedVerdict) {
  const std::string name = GetParam();
  Json want = expected_table()[name];
  fs::path cand = fs::path(KDA_SOURCE_DIR) / "tests/redteam" / name;
  fs::remove(fs::path("/tmp/kda-redteam-survivor"));
  fs::remove(fs::path("/tmp/kda-redteam-ctor-escape"));
  // build_include_secret includes this file: it stands for the task's hidden workloads.
  const std::string secret = "kda-redteam-hidden-bytes-5c1e";
  write_file_atomic("/tmp/kda-redteam-task-secret.txt", secret + " = 1;\n");
  auto r = kda({"eval", task_.string(), cand.string(), "--json", "--timeout", "3", "--budget", "0.2"}, dir_->path() / "cache");
  ASSERT_EQ(r.exit_code, 0) << r.describe() << "\n" << r.err;
  auto traces = traces_of(r.out);
  ASSERT_EQ(traces.size(), 2u) << r.out;
  for (const Json& t : traces) {
    EXPECT_EQ(t["evaluation"]["status"], want["status"]) << name << ": " << t.dump();
    EXPECT_EQ(t["kda"]["reason_code"], want["reason_code"]) << name << ": " << t["kda"].dump();
    EXPECT_FALSE(t["kda"]["reason"].get<std::string>().empty());
  }
  EXPECT_EQ(r.out.find(secret), std::string::npos) << "bytes of a file outside the solution reached the output";
  EXPECT_EQ(r.err.find(secret), std::string::npos) << "bytes of a file outside the solution reached the output";
  if (name == "fork_survivor") {
    std::this_thread::sleep_for(std::chrono::milliseconds(3500));
    EXPECT_FALSE(fs::exists("/tmp/kda-redteam-survivor")) << "a forked child outlived the run";
  }
  if (name == "static_constructor") {
    EXPECT_FALSE(fs::exists("/tmp/kda-redteam-ctor-escape")) << "a static constructor ran outside the sandbox";
  }
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(RedTeam);
INSTANTIATE_TEST_SUITE_P(Candidates, RedTeam, ::testing::ValuesIn(cpu_candidates()),
                         [](const auto& info) { return info.param; });

}  // namespace kda::e2e
