// Evaluator overhead on the CPU backend (issue 3, acceptance 4; issue 16): the whole `kda eval`
// cost of a small task with a warm build cache — input generation, reference, correctness,
// wall-clock cross-check, interleaved timing, store and audit writes. The argument is the timing
// budget per workload in milliseconds (`kda eval --budget`): 100 ms shows the evaluator's own
// overhead, 1000 ms is the CLI default, where sampling stops earlier only if the noise is low.
//
// BM_EvalVectorAdd1M_10Workloads: vector_add at 1M elements over 10 workloads.
// BM_EvalVectorAddExamplePublic: examples/vector_add's own cpp_omp on its six public workloads
// (N = 1 .. 16 M), as `kda eval examples/vector_add solutions/cpp_omp --budget 0.1` runs it.
// After each benchmark, the phase table of its timed iterations (eval/phase_timer.h, as
// `kda eval --profile-phases` prints it) goes to stderr: where the time went, phase by phase.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/fs.h"
#include "eval/judge.h"
#include "eval/phase_timer.h"
#include "task/task_dir.h"

namespace fs = std::filesystem;

namespace {

// A copy of examples/vector_add (its store left behind), with `workloads` as its workloads file
// when given; KDA_CACHE_DIR points into the temporary directory.
fs::path copy_task(const kda::TempDir& dir, const std::string& workloads) {
  fs::path task = dir.path() / "vector_add";
  fs::copy(fs::path(KDA_SOURCE_DIR) / "examples" / "vector_add", task, fs::copy_options::recursive);
  std::error_code ec;
  fs::remove_all(task / ".kda", ec);
  if (!workloads.empty()) std::ofstream(task / "workloads.jsonl") << workloads;
  setenv("KDA_CACHE_DIR", (dir.path() / "cache").c_str(), 1);
  return task;
}

void run_sessions(benchmark::State& state, const fs::path& task, const char* label) {
  kda::TaskDir t = kda::load_task_dir(task);
  kda::Solution s = kda::load_solution(task / "solutions" / "cpp_omp");
  kda::EvalOptions opt;
  opt.runner_exe = KDA_RUNNER_BIN;
  opt.stop.budget_seconds = static_cast<double>(state.range(0)) / 1000.0;
  {
    kda::Judge warm(t, opt);  // builds reference, baseline and candidate once: the cache is warm
    warm.evaluate(s);
    warm.finish();
  }
  kda::reset_phase_timers();
  kda::enable_phase_timers(true);
  auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    kda::Judge judge(t, opt);
    auto r = judge.evaluate(s);
    judge.finish();
    if (!r.all_passed) state.SkipWithError("the candidate did not pass");
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  kda::enable_phase_timers(false);
  std::fprintf(stderr, "%s, budget %lld ms, %lld sessions: where the time went\n%s\n", label,
               static_cast<long long>(state.range(0)), static_cast<long long>(state.iterations()),
               kda::format_phase_table(kda::phase_rows(), wall).c_str());
}

}  // namespace

static void BM_EvalVectorAdd1M_10Workloads(benchmark::State& state) {
  kda::TempDir dir("kda-eval-bench");
  std::string w;
  for (int i = 0; i < 10; ++i)
    w += R"({"definition":"vector_add","solution":null,"workload":{"uuid":"bench-)" + std::to_string(i) +
         R"(","axes":{"N":1048576},"inputs":{"a":{"type":"random"},"b":{"type":"random"}}},"evaluation":null})" "\n";
  run_sessions(state, copy_task(dir, w), "vector_add 1M x 10 workloads");
}
BENCHMARK(BM_EvalVectorAdd1M_10Workloads)->Arg(100)->Arg(1000)->Unit(benchmark::kSecond)->Iterations(3)->UseRealTime();

static void BM_EvalVectorAddExamplePublic(benchmark::State& state) {
  kda::TempDir dir("kda-eval-bench");
  run_sessions(state, copy_task(dir, ""), "examples/vector_add cpp_omp, six public workloads");
}
BENCHMARK(BM_EvalVectorAddExamplePublic)->Arg(100)->Unit(benchmark::kSecond)->Iterations(3)->UseRealTime();

BENCHMARK_MAIN();
