// Speedups through the real CLI: the CLI's eval of an improved candidate, and kda tune's router
// against its own variants. These tests run alone (SERIAL): the CPU candidates use every core,
// and a neighbouring test under ctest -j would take one away from them.
#include <gtest/gtest.h>

#include <cmath>

#include "core/fs.h"
#include "core/json_io.h"
#include "tests/e2e_support.h"

namespace kda::e2e {
namespace fs = std::filesystem;

// Whether cpp_omp beats the baseline is a speed claim, which a loaded machine can fail: it is
// measured by bench/cpu_claims.sh (docs/results.md). Here: the large workload passes, and the
// speedup is a measurement of both sides (finite, positive, the baseline's own median behind it).
TEST(Speedup, ImprovedVectorAddPassesALargeWorkloadAgainstTheBaselineMeasuredBesideIt) {
  TempDir dir{"kda-speedup-test"};
  fs::path task = init_task(dir.path(), "vector_add");
  write_vector_add_workloads(task, {4000000});
  auto r = kda({"eval", task.string(), (task / "solutions" / "cpp_omp").string(), "--json", "--budget", "0.5"},
               dir.path() / "cache");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto traces = traces_of(r.out);
  ASSERT_EQ(traces.size(), 1u);
  ASSERT_EQ(traces[0]["evaluation"]["status"], "PASSED") << traces[0].dump();
  const Json& perf = traces[0]["evaluation"]["performance"];
  const double speedup = perf["speedup_factor"].get<double>();
  EXPECT_TRUE(std::isfinite(speedup) && speedup > 0) << traces[0].dump();
  EXPECT_GT(perf["reference_latency_ms"].get<double>(), 0.0) << traces[0].dump();
  EXPECT_NEAR(speedup, perf["reference_latency_ms"].get<double>() / perf["latency_ms"].get<double>(), 1e-6 * speedup);
}

namespace {

// A top-k task with two regimes by design: few selected positions in long rows (K << N), where a
// heap of the K best with a threshold filter reads the row about once, and K close to N/2,
// where that heap does O(N log K) work and a radix select wins. Both sides are represented in
// the public shapes, and the hidden shapes (which the tuner never sees) are other sizes of both.
void write_two_regime_topk(const fs::path& task) {
  struct Shape {
    int m, n, k;
    const char* split;
  };
  const Shape shapes[] = {{16, 1024, 512, "public"},  {16, 4096, 2048, "public"},   {64, 2048, 1024, "public"},
                          {16, 32768, 32, "public"},  {16, 65536, 64, "public"},    {64, 16384, 16, "public"},
                          {32, 1536, 768, "hidden"},  {8, 6000, 3000, "hidden"},    {48, 3000, 1500, "hidden"},
                          {32, 50000, 50, "hidden"},  {8, 100000, 100, "hidden"},   {48, 20000, 24, "hidden"}};
  std::string text;
  for (const Shape& s : shapes) {
    const std::string uuid = "topk-m" + std::to_string(s.m) + "-n" + std::to_string(s.n) + "-k" + std::to_string(s.k);
    Json w = {{"definition", "topk"},
              {"solution", nullptr},
              {"workload", {{"uuid", uuid}, {"axes", {{"M", s.m}, {"N", s.n}, {"K", s.k}}},
                            {"inputs", {{"scores", {{"type", "random"}}}}}, {"kda", {{"split", s.split}}}}},
              {"evaluation", nullptr}};
    text += w.dump() + "\n";
  }
  write_file_atomic(task / "workloads.jsonl", text);
  // The sweep: the heap (ALGO 1) against radix select (ALGO 2), rows never split.
  const fs::path sol = task / "solutions" / "cpp_select" / "solution.json";
  Json s = parse_json(read_file(sol), sol.string());
  s["kda"]["param_space"] = {{"ALGO", {1, 2}}, {"ROW_SPLIT", {0}}};
  write_file_atomic(sol, s.dump(1));
}

}  // namespace

// Acceptance 1 of the tune issue: the router passes every hidden workload, comes within 5 % of
// the per-shape oracle there, and clearly beats the best single variant.
TEST(Speedup, TunedTopkRouterMatchesTheOracleAndBeatsEverySingleVariantOnHiddenShapes) {
  TempDir dir{"kda-tune-speedup"};
  fs::path task = init_task(dir.path(), "topk");
  write_two_regime_topk(task);
  // One OpenMP thread: on a 2-core machine two threads beside the judge made evaluations of the
  // same code differ by up to 30 % from one process to the next, more than the regret bound;
  // the regimes are algorithmic (heap against radix), so they do not depend on the thread count.
  auto r = kda({"tune", task.string(), (task / "solutions" / "cpp_select").string(), "--budget", "0.3", "--json"},
               dir.path() / "cache", {{"OMP_NUM_THREADS", "1"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json report = parse_json(r.out, "kda tune --json");
  const Json& hidden = report["hidden"];
  EXPECT_EQ(hidden["workloads"], 6);
  EXPECT_TRUE(hidden["router_passed"].get<bool>()) << report.dump(2);
  EXPECT_LE(hidden["regret"].get<double>(), 0.05) << report.dump(2);
  EXPECT_GE(hidden["speedup_vs_best_single"].get<double>(), 1.2) << report.dump(2);
  EXPECT_GT(hidden["speedup_vs_baseline"].get<double>(), 1.0) << report.dump(2);
  // Two specialists, one per regime, each the right one for its side.
  EXPECT_EQ(report["regimes"]["specialists"].size(), 2u) << report["regimes"].dump(2);
  EXPECT_TRUE(fs::exists(fs::path(report["router"].get<std::string>()) / "solution.json"));
}

}  // namespace kda::e2e
