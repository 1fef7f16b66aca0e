// kda tune through the real binary: an interrupted sweep resumes from the tuning database without
// redoing a finished measurement, and a result is reused only for the exact source, toolchain and
// definition it was measured with.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "core/fs.h"
#include "tests/e2e_support.h"


namespace kda::e2e {
namespace fs = std::filesystem;

namespace {

// The rmsnorm example cut down to three public shapes and one hidden one: cpp_omp declares three
// values of ROW_SPLIT_MIN, so a sweep is 9 measurements plus the hidden check.
fs::path small_rmsnorm_task(const fs::path& parent) {
  fs::path task = init_task(parent, "rmsnorm");
  keep_workloads(task, {"rmsnorm-m3-d31-public", "rmsnorm-m7-d4097-public", "rmsnorm-m1-d65536-public",
                        "rmsnorm-m33-d1023-hidden"});
  return task;
}

const std::vector<std::string> kQuick = {"--budget", "0.02", "--min-samples", "3", "--json"};

std::vector<std::string> tune_args(const fs::path& task) {
  std::vector<std::string> a = {"tune", task.string(), (task / "solutions" / "cpp_omp").string()};
  a.insert(a.end(), kQuick.begin(), kQuick.end());
  return a;
}

// One progress line per measurement on a non-terminal stderr: "kda: [i/n] VARIANT x WORKLOAD: ..."
struct Progress {
  std::set<std::string> measured, reused;  // "VARIANT x WORKLOAD"
};

Progress progress_of(const std::string& err) {
  static const std::regex line(R"(^kda: \[\d+/\d+\] (.+ x [^ :]+)(: .*| \(reused\))$)");
  Progress p;
  std::istringstream in(err);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (!std::regex_match(l, m, line)) continue;
    (m[2].str() == " (reused)" ? p.reused : p.measured).insert(m[1].str());
  }
  return p;
}

Json tune_json(const ProcessResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return parse_json(r.out, "kda tune --json");
}

int reused(const Json& report) { return report["measurements"]["reused"].get<int>(); }
int total(const Json& report) { return report["measurements"]["total"].get<int>(); }

}  // namespace

TEST(Tune, AnInterruptedSweepReusesEveryFinishedMeasurement) {
  TempDir dir{"kda-tune-resume"};
  fs::path task = small_rmsnorm_task(dir.path()), cache = dir.path() / "cache", log = dir.path() / "killed.err";

  // Start a sweep, let it finish a few measurements, then SIGKILL it mid-flight.
  const pid_t pid = spawn_kda(tune_args(task), cache, log);
  ASSERT_GT(pid, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  int status = 0;
  bool exited = false;
  while (progress_of(read_file(log)).measured.size() < 4 && std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(exited) << "kda tune ended before it could be interrupted:\n" << read_file(log);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  const Progress before = progress_of(read_file(log));
  ASSERT_GE(before.measured.size(), 4u) << read_file(log);
  ASSERT_LT(before.measured.size(), 9u) << "the sweep finished before the kill; nothing was interrupted";

  // The rerun takes every measurement finished before the kill from the database, and measures
  // only the rest.
  auto r = kda(tune_args(task), cache);
  Json report = tune_json(r);
  const Progress after = progress_of(r.err);
  for (const std::string& m : before.measured) {
    EXPECT_TRUE(after.reused.count(m)) << m << " was measured before the kill but not reused";
    EXPECT_FALSE(after.measured.count(m)) << m << " was measured again";
  }
  EXPECT_EQ(reused(report), static_cast<int>(after.reused.size()));
  EXPECT_GE(reused(report), static_cast<int>(before.measured.size()));
  EXPECT_TRUE(report["hidden"]["router_passed"].get<bool>()) << report.dump(2);

  // A third run has nothing left to measure: the sweep and the hidden check all come from the database.
  Json again = tune_json(kda(tune_args(task), cache));
  EXPECT_EQ(reused(again), total(again)) << again.dump(2);
  EXPECT_EQ(again["regimes"], report["regimes"]);
}

TEST(Tune, AResultIsReusedOnlyForTheSourceToolchainAndDefinitionItWasMeasuredWith) {
  TempDir dir{"kda-tune-keys"};
  fs::path task = small_rmsnorm_task(dir.path()), cache = dir.path() / "cache";
  Json first = tune_json(kda(tune_args(task), cache));
  ASSERT_EQ(reused(first), 0);
  ASSERT_GE(total(first), 9);

  // Another source: a one-comment edit of the kernel makes every result stale.
  const fs::path kernel = task / "solutions" / "cpp_omp" / "kernel.cc";
  const std::string original = read_file(kernel);
  write_file_atomic(kernel, original + "\n// edited\n");
  EXPECT_EQ(reused(tune_json(kda(tune_args(task), cache))), 0) << "results of another source were applied";

  // The original source again: its results were kept, not overwritten.
  write_file_atomic(kernel, original);
  Json restored = tune_json(kda(tune_args(task), cache));
  EXPECT_EQ(reused(restored), total(restored));

  // Another toolchain: a g++ that reports another version (and otherwise is the real one).
  if (fs::exists("/usr/bin/g++")) {
    fs::path bin = dir.path() / "other-gxx";
    fs::create_directories(bin);
    write_file_atomic(bin / "g++",
                      "#!/bin/sh\n"
                      "if [ \"$1\" = --version ]; then echo 'g++ (kda test wrapper) 99.1.0'; exit 0; fi\n"
                      "exec /usr/bin/g++ \"$@\"\n");
    fs::permissions(bin / "g++", fs::perms::owner_all);
    const char* path = std::getenv("PATH");
    Json other = tune_json(kda(tune_args(task), cache, {{"PATH", bin.string() + ":" + (path ? path : "/usr/bin:/bin")}}));
    EXPECT_EQ(reused(other), 0) << "results of another compiler were applied";
  } else {
    ADD_FAILURE() << "/usr/bin/g++ is missing: the toolchain case was not tested";
  }

  // Another definition (any byte of definition.json).
  Json def = parse_json(read_file(task / "definition.json"), "definition.json");
  def["description"] = def["description"].get<std::string>() + " (edited)";
  write_file_atomic(task / "definition.json", def.dump(1));
  // The definition is pinned (issue 14 §5): a change stops kda tune until it is re-pinned.
  EXPECT_EQ(kda(tune_args(task), cache).exit_code, 5);
  ASSERT_EQ(kda({"store", "pin", task.string(), "definition"}, cache).exit_code, 0);
  EXPECT_EQ(reused(tune_json(kda(tune_args(task), cache))), 0) << "results for another definition were applied";
}

}  // namespace kda::e2e
