// `kda profile run --task`: the candidate is built, a public workload's requests are recorded,
// and one kda-runner answers them from a file with no judge around it (what Nsight Compute
// wraps). On the CPU backend the recorded run must compute the right outputs. The whole command
// runs against recorded H100 pages (--replay): the runner's own kernels are left out by the
// names the runner's sources define, and a page the analyzer cannot read is a warning.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/error.h"
#include "core/fs.h"
#include "eval/profile_target.h"
#include "eval/protocol.h"
#include "tests/e2e_support.h"
#include "tests/recorded_profile.h"

namespace kda::e2e {
namespace fs = std::filesystem;

namespace {

std::vector<wire::Frame> read_frames(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0) << file;
  std::vector<wire::Frame> frames;
  while (true) {
    try {
      frames.push_back(wire::read_frame(fd));
    } catch (const wire::WireError&) {
      break;
    }
  }
  ::close(fd);
  return frames;
}

std::vector<float> floats(const uint8_t* p, size_t n) {
  std::vector<float> v(n);
  std::memcpy(v.data(), p, n * sizeof(float));
  return v;
}

class ProfileTargetTest : public ::testing::Test {
 protected:
  TempDir dir{"kda-proftarget-test"};
  void SetUp() override { setenv("KDA_CACHE_DIR", (dir.path() / "cache").c_str(), 1); }
};

}  // namespace

TEST_F(ProfileTargetTest, RecordedRequestsRunTheCandidateCorrectlyInOneRunner) {
  fs::path task_dir = init_task(dir.path(), "vector_add");
  write_vector_add_workloads(task_dir, {1000, 70001, 5000});
  TaskDir task = load_task_dir(task_dir);
  ProfileTargetOptions opt;
  opt.backend = "cpu";
  opt.calls = 2;
  opt.runner_exe = KDA_RUNNER_BIN;
  ProfileTarget t = prepare_profile_target(task, load_solution(task_dir / "solutions" / "cpp_omp"), opt, dir.path() / "target");
  EXPECT_NE(t.workload.find("70001"), std::string::npos) << "the largest public workload by default: " << t.workload;

  ProcessSpec spec;
  spec.argv = t.command;
  spec.timeout = std::chrono::seconds(60);
  ProcessResult r = run_process(spec);
  ASSERT_TRUE(r.ok()) << r.describe() << r.err;

  auto requests = read_frames(dir.path() / "target" / "requests.kdaw");
  auto answers = read_frames(dir.path() / "target" / "responses.kdaw");
  ASSERT_EQ(requests.size(), 3u);  // two RUNs and BYE
  ASSERT_EQ(answers.size(), 3u);   // READY and two RUN results
  EXPECT_EQ(answers[0].type, wire::Type::kReady);
  for (int call = 0; call < 2; ++call) {
    const wire::Frame& req = requests[call];
    const wire::Frame& ans = answers[call + 1];
    ASSERT_EQ(ans.type, wire::Type::kRunResult) << ans.json.dump();
    EXPECT_EQ(ans.json["calls"][0]["rc"], 0);
    const size_t n = 70001;
    ASSERT_EQ(req.blob.size(), 2 * n * sizeof(float));
    ASSERT_EQ(ans.blob.size(), n * sizeof(float));
    auto a = floats(req.blob.data(), n), b = floats(req.blob.data() + n * sizeof(float), n);
    auto c = floats(ans.blob.data(), n);
    for (size_t i = 0; i < n; i += 997) ASSERT_FLOAT_EQ(c[i], a[i] + b[i]) << "element " << i;
  }
  // Each call gets fresh inputs.
  EXPECT_NE(requests[0].blob, requests[1].blob);
}

TEST_F(ProfileTargetTest, HiddenAndUnknownWorkloadsAreRefused) {
  fs::path task_dir = init_task(dir.path(), "vector_add");
  TaskDir task = load_task_dir(task_dir);
  Solution s = load_solution(task_dir / "solutions" / "cpp_omp");
  ProfileTargetOptions opt;
  opt.backend = "cpu";
  opt.runner_exe = KDA_RUNNER_BIN;
  std::string hidden;
  for (const Workload* w : task.select("hidden")) hidden = w->uuid;
  ASSERT_FALSE(hidden.empty());
  opt.workload = hidden;
  try {
    prepare_profile_target(task, s, opt, dir.path() / "t1");
    FAIL() << "a hidden workload was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("hidden"), std::string::npos) << e.what();
  }
  opt.workload = "no-such-workload";
  try {
    prepare_profile_target(task, s, opt, dir.path() / "t2");
    FAIL() << "an unknown workload was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  }
}

// The list the profiler leaves out is the runner's: every __global__ function in tools/runner
// (whatever the vendor) must be named by runner_own_kernels(), and nothing else is.
TEST(RunnerOwnKernels, NameEveryKernelTheRunnersSourcesDefine) {
  const std::regex global(R"(__global__\s+void\s+(?:__launch_bounds__\([^)]*\)\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*\()");
  std::vector<std::string> defined;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(KDA_SOURCE_DIR) / "tools/runner")) {
    const std::string ext = e.path().extension().string();
    // Sources only: a build script's compiler probe is no kernel the runner launches.
    if (!e.is_regular_file() || (ext != ".cu" && ext != ".cc" && ext != ".h" && ext != ".cuh" && ext != ".hip" && ext != ".cpp")) continue;
    const std::string text = read_file(e.path());
    for (std::sregex_iterator it(text.begin(), text.end(), global), end; it != end; ++it) defined.push_back((*it)[1]);
  }
  ASSERT_FALSE(defined.empty()) << "no __global__ function found under tools/runner";
  const auto& listed = runner_own_kernels();
  for (const std::string& k : defined)
    EXPECT_NE(std::find(listed.begin(), listed.end(), k), listed.end()) << k << " is launched by the runner but not in runner_own_kernels()";
  for (const std::string& k : listed)
    EXPECT_NE(std::find(defined.begin(), defined.end(), k), defined.end()) << k << " is listed but no longer in tools/runner";
}

// The recorded requests never ask the runner to flush: Nsight Compute flushes before every
// replay pass itself, and the runner's sweep would otherwise be profiled as a kernel.
TEST_F(ProfileTargetTest, RecordedRequestsDoNotAskTheRunnerToFlush) {
  fs::path task_dir = init_task(dir.path(), "vector_add");
  TaskDir task = load_task_dir(task_dir);
  ProfileTargetOptions opt;
  opt.backend = "cpu";
  opt.calls = 2;
  opt.runner_exe = KDA_RUNNER_BIN;
  prepare_profile_target(task, load_solution(task_dir / "solutions" / "cpp_omp"), opt, dir.path() / "target");
  auto requests = read_frames(dir.path() / "target" / "requests.kdaw");
  ASSERT_EQ(requests.size(), 3u);
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(requests[i].json.value("flush", true)) << requests[i].json.dump();
}

TEST_F(ProfileTargetTest, RunOnRecordedPagesReportsTheCandidatesKernelsWithWarningsBesideTheFindings) {
  fs::path task_dir = init_task(dir.path(), "rmsnorm");
  const fs::path pages = recorded_candidate_pages(dir.path() / "recorded");
  const fs::path out = dir.path() / "out";
  auto r = kda({"profile", "run", "--task", task_dir.string(), "--solution", (task_dir / "solutions" / "cpp_omp").string(),
                "--backend", "cpu", "--replay", pages.string(), "--out", out.string(), "--json"},
               dir.path() / "cache");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json rep = parse_json(r.out, "kda profile run --json");
  std::vector<std::string> names;
  for (const Json& k : rep["kernels"]) names.push_back(k["name"].get<std::string>().substr(0, k["name"].get<std::string>().find('(')));
  EXPECT_EQ(names, (std::vector<std::string>{"copy_coalesced", "transpose_padded", "local_array"}));  // the report's order
  EXPECT_EQ(rep["excluded"], Json::array({"read_sweep_kernel (id 1)"})) << rep.dump();
  EXPECT_NE(rep["warnings"].dump().find("source_ptx_copy_coalesced.csv:1: not a recognized"), std::string::npos) << rep["warnings"].dump();
  EXPECT_NE(r.err.find("kda: warning: "), std::string::npos) << r.err;
  for (const Json& k : rep["kernels"]) EXPECT_FALSE(k["findings"].empty()) << k["name"];
  // The profiled workload is the largest public one; the sweep's source page was never exported.
  EXPECT_NE(r.err.find("rmsnorm-m4096-d4096-public"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out / "source_read_sweep_kernel.csv"));
  EXPECT_TRUE(fs::exists(out / "diagnosis.json"));
  EXPECT_TRUE(fs::exists(out / "target" / "requests.kdaw"));
  // The ncu command line it would have run wraps the one kda-runner of the recorded requests.
  const std::string log = read_file(out / "ncu.log");
  EXPECT_NE(log.find("--set full --import-source yes"), std::string::npos) << log;
  EXPECT_NE(log.find("--requests"), std::string::npos) << log;
}

TEST_F(ProfileTargetTest, CliNeedsEitherATaskOrACommand) {
  auto neither = kda({"profile", "run", "--out", (dir.path() / "o").string()}, dir.path() / "cache");
  EXPECT_EQ(neither.exit_code, 2) << neither.err;
  EXPECT_NE(neither.err.find("--task"), std::string::npos) << neither.err;
  fs::path task_dir = init_task(dir.path(), "vector_add");
  auto no_solution = kda({"profile", "run", "--task", task_dir.string()}, dir.path() / "cache");
  EXPECT_EQ(no_solution.exit_code, 2) << no_solution.err;
}

}  // namespace kda::e2e
