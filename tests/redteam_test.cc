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

TEST_P(RedTeam, GetsItsSpecificVerdict) {
  const std::string name = GetParam();
  Json want = expected_table()[name];
  fs::path cand = fs::path(KDA_SOURCE_DIR) / "tests/redteam" / name;
  fs::remove(fs::path("/tmp/kda-redteam-survivor"));
  fs::remove(fs::path("/tmp/kda-redteam-ctor-escape"));
  // build_include_secret includes this file: it stands for the task's hidden workloads.
  const std::string secret = "kda-redteam-hidden-bytes-5c1e";
  write_file_atomic("/tmp/kda-redteam-task-secret.txt", secret + " = 1;\n");
  // A candidate's own call cap where EXPECTED.json gives one (scratch_filler writes 1.2 GB in its
  // first call, which a loaded machine's disk may not finish in 3 s).
  const std::string timeout = std::to_string(want.value("timeout_s", 3));
  auto r = kda({"eval", task_.string(), cand.string(), "--json", "--timeout", timeout, "--budget", "0.2"}, dir_->path() / "cache");
  ASSERT_EQ(r.exit_code, 0) << r.describe() << "\n" << r.err;
  auto traces = traces_of(r.out);
  ASSERT_EQ(traces.size(), 2u) << r.out;
  for (const Json& t : traces) {
    EXPECT_EQ(t["kda"]["status"], want["status"]) << name << ": " << t.dump();
    EXPECT_EQ(t["kda"]["reason_code"], want["reason_code"]) << name << ": " << t["kda"].dump();
    // A candidate whose attack the judge disarms (spin_between_calls) passes, with no reason.
    if (want["status"] != "PASSED") {
      EXPECT_FALSE(t["kda"]["reason"].get<std::string>().empty());
    }
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

namespace kda::e2e {

// A candidate that hangs on every call costs seconds per workload, not the whole --timeout: the
// call timeout follows from the baseline's first call (2 s + 20x its wall time, docs/evaluator.md).
// Each trace names the deadline it met; 11 workloads of it finish in well under a minute
// (measured in the closing figures, not asserted: a loaded machine may be slower). The cap is
// set far above what the rule gives, so that the deadline's source shows even when a loaded
// machine makes the baseline's first call slow (0.4 s was seen, which gives 10.1 s).
TEST(Hang, ElevenWorkloadsEachMeetADeadlineOfSecondsNotTheWholeTimeout) {
  TempDir dir("kda-hang");
  fs::path task = init_task(dir.path(), "vector_add");
  write_vector_add_workloads(task, {1, 2, 3, 7, 15, 31, 63, 255, 1023, 2049, 4097});
  auto r = kda({"eval", task.string(), (fs::path(KDA_SOURCE_DIR) / "tests/redteam/hang").string(), "--json", "--timeout",
                "90", "--budget", "0.1"},
               dir.path() / "cache");
  ASSERT_EQ(r.exit_code, 0) << r.describe() << "\n" << r.err;
  auto traces = traces_of(r.out);
  ASSERT_EQ(traces.size(), 11u) << r.out;
  for (const Json& t : traces) {
    ASSERT_EQ(t["evaluation"]["status"], "TIMEOUT") << t.dump();
    const std::string reason = t["kda"]["reason"];
    const size_t at = reason.find(" within ");
    ASSERT_NE(at, std::string::npos) << reason;
    const double seconds = std::stod(reason.substr(at + 8));
    EXPECT_GE(seconds, 2.0) << reason;
    EXPECT_LT(seconds, 60.0) << "the deadline should follow from the baseline's time, not --timeout 90: " << reason;
  }
}

}  // namespace kda::e2e
