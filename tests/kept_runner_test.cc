// A candidate's runner kept across the workloads of one evaluation pass, through the real binary:
// it serves the pass's workloads one after another, a workload whose inputs it has already been
// given gets a new runner, `--fresh-runners` starts one per workload, and across kda tune's
// hidden-check rounds (which repeat the same inputs) no runner meets an input set twice. The
// candidate (tests/data/replay_detector) returns NaN if its process ever does.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "core/fs.h"
#include "task/safetensors.h"
#include "tests/e2e_support.h"

namespace kda::e2e {
namespace fs = std::filesystem;

namespace {

const fs::path kDetector = fs::path(KDA_SOURCE_DIR) / "tests" / "data" / "replay_detector";

HostTensor filled(const std::string& name, int64_t n, float scale) {
  HostTensor t;
  t.name = name;
  t.shape = {n};
  t.allocate();
  float* p = reinterpret_cast<float*>(t.data.data());
  for (int64_t i = 0; i < n; ++i) p[i] = scale * static_cast<float>((i * 7919) % 1000) / 1000.0f;
  return t;
}

std::string workload_line(const std::string& uuid, int64_t n, const std::string& split, bool from_blob) {
  std::string inputs = from_blob ? R"({"a": {"type": "safetensors", "path": "blob/ab.safetensors", "tensor_key": "a"},)"
                                   R"( "b": {"type": "safetensors", "path": "blob/ab.safetensors", "tensor_key": "b"}})"
                                 : R"({"a": {"type": "random"}, "b": {"type": "random"}})";
  return R"({"definition": "vector_add", "solution": null, "evaluation": null, "workload": {"uuid": ")" + uuid +
         R"(", "axes": {"N": )" + std::to_string(n) + R"(}, "inputs": )" + inputs + R"(, "kda": {"split": ")" + split +
         R"("}}})" "\n";
}

// vector_add with three public workloads, the first and the last of which read the same blob (so
// their inputs are the same bytes under two uuids), and two random hidden ones.
fs::path task_with_a_repeated_input(const fs::path& parent) {
  fs::path task = init_task(parent, "vector_add");
  fs::create_directories(task / "blob");
  write_safetensors(task / "blob" / "ab.safetensors", {filled("a", 4096, 1.0f), filled("b", 4096, -2.0f)});
  std::ofstream(task / "workloads.jsonl") << workload_line("va-blob-first", 4096, "public", true)
                                          << workload_line("va-random", 4096, "public", false)
                                          << workload_line("va-blob-again", 4096, "public", true)
                                          << workload_line("va-hidden-1", 8192, "hidden", false)
                                          << workload_line("va-hidden-2", 3000, "hidden", false);
  return task;
}

// The count column of one row of the --profile-phases table on stderr; -1 if the row is missing.
int phase_count(const std::string& err, const std::string& phase) {
  const std::regex row("^" + phase + R"(\s+[0-9.]+\s+([0-9]+)\s)");
  std::istringstream in(err);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_search(l, m, row)) return std::stoi(m[1].str());
  }
  return -1;
}

const std::vector<std::string> kQuick = {"--budget", "0.02", "--min-samples", "3", "--profile-phases"};

std::vector<std::string> args(std::vector<std::string> a) {
  a.insert(a.end(), kQuick.begin(), kQuick.end());
  return a;
}

}  // namespace

TEST(KeptRunners, OneRunnerServesThePassUntilAWorkloadRepeatsInputsItWasGiven) {
  TempDir dir{"kda-kept-runner"};
  fs::path task = task_with_a_repeated_input(dir.path()), cache = dir.path() / "cache";
  ProcessResult r = kda(args({"eval", task.string(), kDetector.string(), "--json"}), cache);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<Json> traces = traces_of(r.out);
  ASSERT_EQ(traces.size(), 3u) << r.out;
  for (const Json& t : traces) EXPECT_EQ(t["evaluation"]["status"], "PASSED") << t.dump(2);
  // va-random is served by the runner of va-blob-first; va-blob-again, whose inputs that runner
  // has seen, by a new one.
  EXPECT_EQ(phase_count(r.err, "candidate start"), 2) << r.err;

  ProcessResult fresh = kda(args({"eval", task.string(), kDetector.string(), "--json", "--fresh-runners"}), cache);
  ASSERT_EQ(fresh.exit_code, 0) << fresh.out << fresh.err;
  for (const Json& t : traces_of(fresh.out)) EXPECT_EQ(t["evaluation"]["status"], "PASSED") << t.dump(2);
  EXPECT_EQ(phase_count(fresh.err, "candidate start"), 3) << fresh.err;
}

TEST(KeptRunners, NoRunnerMeetsTheSameInputsTwiceAcrossTheHiddenRounds) {
  TempDir dir{"kda-kept-runner-tune"};
  fs::path task = task_with_a_repeated_input(dir.path()), cache = dir.path() / "cache";
  ProcessResult r = kda(args({"tune", task.string(), kDetector.string(), "--hidden-rounds", "2", "--json"}), cache);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  Json report = parse_json(r.out, "kda tune --json");
  EXPECT_TRUE(report["hidden"]["router_passed"].get<bool>()) << report.dump(2);
  // Every verdict of the sweep and of both rounds (the rounds give every pair the same inputs).
  ProcessResult q = run_process({.argv = {"sqlite3", (task / ".kda" / "kda.db").string(),
                                          "SELECT status, count(*) FROM traces GROUP BY status"}});
  ASSERT_TRUE(q.ok()) << q.err;
  EXPECT_EQ(q.out.rfind("PASSED|", 0), 0u) << q.out;
  EXPECT_EQ(q.out.find('\n'), q.out.size() - 1) << "a verdict other than PASSED:\n" << q.out;
  // Runners were kept: fewer starts than measurements (each is a (solution, workload) pair).
  const int measured = report["measurements"]["total"].get<int>() - report["measurements"]["reused"].get<int>();
  const int starts = phase_count(r.err, "candidate start");
  EXPECT_GT(starts, 0) << r.err;
  EXPECT_LT(starts, measured) << r.err;
}

}  // namespace kda::e2e
