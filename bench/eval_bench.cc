// Evaluator overhead on the CPU backend (issue 3, acceptance 4): vector_add at 1M elements over
// 10 workloads, warm build cache — the whole `kda eval` cost of a small task: input generation,
// reference, correctness, wall-clock cross-check, interleaved timing. The argument is the timing
// budget per workload in milliseconds (`kda eval --budget`): 100 ms shows the evaluator's own
// overhead, 1000 ms is the CLI default, where sampling stops earlier only if the noise is low.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>

#include "core/fs.h"
#include "eval/judge.h"
#include "task/task_dir.h"

namespace fs = std::filesystem;

static void BM_EvalVectorAdd1M_10Workloads(benchmark::State& state) {
  kda::TempDir dir("kda-eval-bench");
  fs::path task = dir.path() / "vector_add";
  fs::copy(fs::path(KDA_SOURCE_DIR) / "examples" / "vector_add", task, fs::copy_options::recursive);
  std::error_code ec;
  fs::remove_all(task / ".kda", ec);
  std::ofstream w(task / "workloads.jsonl");
  for (int i = 0; i < 10; ++i)
    w << R"({"definition":"vector_add","solution":null,"workload":{"uuid":"bench-)" << i
      << R"(","axes":{"N":1048576},"inputs":{"a":{"type":"random"},"b":{"type":"random"}}},"evaluation":null})" << "\n";
  w.close();
  setenv("KDA_CACHE_DIR", (dir.path() / "cache").c_str(), 1);
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
  for (auto _ : state) {
    kda::Judge judge(t, opt);
    auto r = judge.evaluate(s);
    judge.finish();
    if (!r.all_passed) state.SkipWithError("the candidate did not pass");
  }
}
BENCHMARK(BM_EvalVectorAdd1M_10Workloads)->Arg(100)->Arg(1000)->Unit(benchmark::kSecond)->Iterations(3)->UseRealTime();

BENCHMARK_MAIN();
