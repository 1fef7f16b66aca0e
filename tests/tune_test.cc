// kda tune through the real binary: an interrupted sweep resumes from the tuning database without
// redoing a finished measurement, a result is reused only for the exact source, toolchain and
// definition it was measured with, and a workload's variants share one baseline measurement.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
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

// Tune measures workload by workload, and a workload's variants share its baseline measurement:
// the store's traces come in groups of one workload, and along a group the baseline's median is
// over more and more samples, because every later variant still gets a baseline batch beside it.
TEST(Tune, AWorkloadsVariantsShareOneBaselineMeasurementWithABatchBesideEach) {
  TempDir dir{"kda-tune-shared-baseline"};
  fs::path task = small_rmsnorm_task(dir.path()), cache = dir.path() / "cache";
  Json report = tune_json(kda(tune_args(task), cache));
  ASSERT_GE(total(report), 9) << report.dump(2);
  ProcessResult q = run_process(
      {.argv = {"sqlite3", "-separator", " ", (task / ".kda" / "kda.db").string(),
                "SELECT workload, solution, status, coalesce(json_extract(json, '$.kda.performance.baseline_samples'), 0) "
                "FROM traces ORDER BY id"}});
  ASSERT_TRUE(q.ok()) << q.err;
  struct Row {
    std::string workload, solution, status;
    int baseline_samples;
  };
  std::vector<Row> rows;
  std::istringstream in(q.out);
  for (Row r; in >> r.workload >> r.solution >> r.status >> r.baseline_samples;) rows.push_back(r);
  ASSERT_GE(rows.size(), 9u) << q.out;
  // The sweep: three workloads, each with its three variants one after another.
  std::set<std::string> seen;
  for (size_t g = 0; g < 9; g += 3) {
    const std::string& w = rows[g].workload;
    EXPECT_FALSE(seen.count(w)) << w << " came back after another workload:\n" << q.out;
    seen.insert(w);
    std::set<std::string> variants;
    for (size_t k = g; k < g + 3; ++k) {
      EXPECT_EQ(rows[k].workload, w) << "the sweep is not workload by workload:\n" << q.out;
      EXPECT_EQ(rows[k].status, "PASSED") << q.out;
      variants.insert(rows[k].solution);
      if (k > g) {
        EXPECT_GT(rows[k].baseline_samples, rows[k - 1].baseline_samples)
            << rows[k].solution << " on " << w << ": its baseline median is not over the shared samples plus a batch "
            << "beside it:\n" << q.out;
      }
    }
    EXPECT_EQ(variants.size(), 3u) << q.out;
    EXPECT_GT(rows[g].baseline_samples, 0) << q.out;
  }
}

// kda tune's hidden rounds measure every (variant, workload) pair again, but the baseline's
// measurement of a workload is the session's, kept while the rounds move between workloads: each round's variants add to it (a batch beside
// each), so its sample count only grows from the first round's first variant to the last round's
// last one.
TEST(Tune, TheHiddenRoundsAddToOneBaselineMeasurementPerWorkload) {
  TempDir dir{"kda-tune-rounds-baseline"};
  // Two hidden workloads, so that each round moves from one to the other and back.
  fs::path task = init_task(dir.path(), "rmsnorm"), cache = dir.path() / "cache";
  keep_workloads(task, {"rmsnorm-m3-d31-public", "rmsnorm-m7-d4097-public", "rmsnorm-m33-d1023-hidden",
                        "rmsnorm-m1-d7-hidden"});
  std::vector<std::string> a = tune_args(task);
  a.insert(a.end(), {"--hidden-rounds", "2"});
  Json report = tune_json(kda(a, cache));
  ASSERT_TRUE(report["hidden"]["router_passed"].get<bool>()) << report.dump(2);
  ProcessResult q = run_process(
      {.argv = {"sqlite3", "-separator", " ", (task / ".kda" / "kda.db").string(),
                "SELECT solution, status, coalesce(json_extract(json, '$.kda.performance.baseline_samples'), 0) "
                "FROM traces WHERE workload = 'rmsnorm-m33-d1023-hidden' ORDER BY id"}});
  ASSERT_TRUE(q.ok()) << q.err;
  std::vector<int> samples;
  std::istringstream in(q.out);
  std::string solution, status;
  for (int n; in >> solution >> status >> n;) {
    EXPECT_EQ(status, "PASSED") << q.out;
    samples.push_back(n);
  }
  // Two rounds of the router and at least one surviving variant.
  ASSERT_GE(samples.size(), 4u) << q.out;
  for (size_t k = 1; k < samples.size(); ++k)
    EXPECT_GT(samples[k], samples[k - 1]) << "measurement " << k << " of the hidden workload did not add to the "
                                          << "baseline's samples:\n" << q.out;
}

}  // namespace kda::e2e
