// Bad input never crashes kda (issue 14 §4), through the real kda binary: bytes that are not
// UTF-8 in a candidate's output or a compiler's diagnostics are recorded as U+FFFD, and the
// store and audit log stay readable afterwards.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <fstream>

#include "core/fs.h"
#include "tests/e2e_support.h"

namespace kda::e2e {
namespace fs = std::filesystem;

namespace {

class BadInput : public ::testing::Test {
 protected:
  TempDir dir{"kda-bad-input-test"};
  fs::path cache() { return dir.path() / "cache"; }
  fs::path redteam(const std::string& name) { return fs::path(KDA_SOURCE_DIR) / "tests/redteam" / name; }
};

}  // namespace

TEST_F(BadInput, InvalidUtf8FromACandidateOrACompilerIsRecordedNotFatal) {
  fs::path task = init_task(dir.path(), "vector_add");
  write_vector_add_workloads(task, {100});
  for (const char* name : {"invalid_utf8_output", "invalid_utf8_diagnostics"}) {
    auto r = kda({"eval", task.string(), redteam(name).string(), "--json", "--budget", "0.1", "--timeout", "5"}, cache());
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    auto traces = traces_of(r.out);
    ASSERT_EQ(traces.size(), 1u) << r.out;
    const std::string log = traces[0]["evaluation"]["log"];
    EXPECT_NE(log.find("\xEF\xBF\xBD"), std::string::npos) << name << ": the bad bytes should show as U+FFFD: " << log;
  }
  auto show = kda({"store", "show", task.string(), "--json"}, cache());
  EXPECT_EQ(show.exit_code, 0) << show.err;
  auto verify = kda({"audit", "verify", task.string()}, cache());
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  // A second evaluation (what `kda resume` does after a crash) reads the store and appends again.
  auto again = kda({"eval", task.string(), redteam("invalid_utf8_output").string(), "--budget", "0.1", "--timeout", "5"}, cache());
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

TEST_F(BadInput, NumericOptionsOutsideTheirRangesAreUsageErrors) {
  fs::path task = init_task(dir.path(), "vector_add");
  const std::string sol = (task / "baseline" / "cpp").string();
  for (std::vector<std::string> bad : {std::vector<std::string>{"--budget", "-1"}, {"--budget", "0"}, {"--budget", "nan"},
                                       {"--budget", "inf"}, {"--timeout", "0"}, {"--min-samples", "0"},
                                       {"--min-samples", "2.5"}, {"--budget", "1s"}}) {
    std::vector<std::string> args = {"eval", task.string(), sol};
    args.insert(args.end(), bad.begin(), bad.end());
    auto r = kda(args, cache());
    EXPECT_EQ(r.exit_code, 2) << bad[0] << " " << bad[1] << ": " << r.err;
    EXPECT_NE(r.err.find(bad[0]), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(task / ".kda" / "kda.db") && kda({"store", "show", task.string()}, cache()).out.find("PASSED") !=
                                                            std::string::npos)
      << "a refused option must not have stored a verdict";
  EXPECT_EQ(kda({"tune", task.string(), "--budget", "-1"}, cache()).exit_code, 2);
  EXPECT_EQ(kda({"run", task.string(), "--wall-time", "-5"}, cache()).exit_code, 2);
  EXPECT_EQ(kda({"profile", "run", "--timeout", "0", "--", "true"}, cache()).exit_code, 2);
}

TEST_F(BadInput, AWorkloadTooLargeForMemoryIsAnInputErrorNamingIt) {
  fs::path task = init_task(dir.path(), "vector_add");
  // 2^42 floats per tensor: 48 TiB per set, counted fine, fits nowhere.
  write_vector_add_workloads(task, {int64_t{1} << 42});
  auto r = kda({"eval", task.string(), (task / "baseline" / "cpp").string(), "--budget", "0.1"}, cache());
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("does not fit"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("host memory"), std::string::npos) << r.err;
  // 2^62 elements: more bytes than 64 bits count, refused when the task loads.
  write_vector_add_workloads(task, {int64_t{1} << 62});
  r = kda({"eval", task.string(), (task / "baseline" / "cpp").string(), "--budget", "0.1"}, cache());
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("64-bit"), std::string::npos) << r.err;
}

// A real full filesystem: a 4 MiB tmpfs holding the task and its store. Needs mount(2) (root);
// skipped where it is not allowed.
TEST_F(BadInput, AFullDiskIsAnEnvironmentErrorAndLeavesTheStoreIntact) {
  fs::path mnt = dir.path() / "small";
  fs::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=4m") != 0) GTEST_SKIP() << "cannot mount a tmpfs here (not root?)";
  struct Unmount {
    fs::path p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{mnt};
  fs::path task = init_task(mnt, "vector_add");
  write_vector_add_workloads(task, {100});
  const std::string sol = (task / "baseline" / "cpp").string();
  ASSERT_EQ(kda({"eval", task.string(), sol, "--budget", "0.1"}, cache()).exit_code, 0);
  {
    std::ofstream fill(mnt / "filler", std::ios::binary);
    std::string block(1 << 16, 'x');
    while (fill.write(block.data(), static_cast<std::streamsize>(block.size())) && fill.flush()) {}
  }
  auto r = kda({"eval", task.string(), sol, "--budget", "0.1"}, cache());
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_NE(r.err.find("free space"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("move it away"), std::string::npos) << r.err;
  fs::remove(mnt / "filler");
  auto v = kda({"audit", "verify", task.string()}, cache());
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_EQ(kda({"eval", task.string(), sol, "--budget", "0.1"}, cache()).exit_code, 0);
}

}  // namespace kda::e2e
