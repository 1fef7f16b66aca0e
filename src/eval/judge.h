// The judge (DESIGN §4): the trusted process of `kda eval`. It owns the session seed, generates
// every input, gets expected outputs from the reference runner, runs the candidate and the pinned
// baseline in their own sandboxed runners, decides verdicts, and records each one in the store
// and the hash-chained audit log. It never loads candidate code itself.
//
// Per workload: a correctness call (poisoned outputs, late-write check, input-mutation check),
// a wall-clock cross-check batch, then timed samples on fresh or perturbed input sets, candidate
// and baseline interleaved, every timed output compared with the reference, until the noise
// criterion or the budget stops it; finally the roofline floor check.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "build/builder.h"
#include "eval/stats.h"
#include "task/task_dir.h"
#include "task/trace.h"

namespace kda {

struct EvalOptions {
  std::string backend = "cpu";
  std::string workloads = "public";  ///< public | hidden | all
  std::string arch;                  ///< build target (cuda/hip)
  bool sandbox = true;
  bool require_sandbox = false;      ///< refuse to run when the sandbox cannot be fully applied
  StopRule stop;
  std::chrono::milliseconds call_timeout{20000};
  std::filesystem::path runner_exe;  ///< empty: $KDA_RUNNER, else kda-runner beside this program
  /// Bytes of input sets and expected outputs the judge keeps per session, to reuse when a
  /// workload is evaluated again in it (tune's variants, several solutions); 0: none kept.
  size_t draw_cache_bytes = 0;
  /// A candidate's runner serves the workloads of one evaluation pass one after another, as long
  /// as it passes and is never given inputs it has seen (docs/evaluator.md, "Runners kept within
  /// a pass"); false: a new candidate runner for every workload (`--fresh-runners`).
  bool keep_candidate_runners = true;
  std::function<void(const std::string&)> progress;  ///< one short line per step (may be empty)
};

/// Names the timing method (its version and the stop rule): a measurement made under another is
/// not comparable, so caches of measurements (kda tune's database) key on it. The version moves
/// whenever what a sample contains or how many are taken changes.
std::string timing_method(const StopRule& stop);

struct SolutionResult {
  std::string solution;
  std::string solution_hash;
  BuildResult build;
  std::vector<Trace> traces;
  double geomean_speedup = 0;  ///< over workloads that PASSED (0 when none did)
  bool all_passed = false;
};

class Judge {
 public:
  /// Pins (or checks the pin of) the baseline and reference, builds them, commits to a fresh
  /// seed in the audit log. Throws kda::Error: kIntegrity for a changed pin, kEnvironment when
  /// the sandbox is required but unavailable, kInput for a broken reference or baseline.
  Judge(const TaskDir& task, EvalOptions opt);
  ~Judge();
  /// Evaluates `s` on the workloads of EvalOptions::workloads.
  SolutionResult evaluate(const Solution& s);
  /// Evaluates `s` on the given workloads (of this task), calling `on_trace` as each verdict is
  /// stored, so a caller that is interrupted keeps every finished measurement (kda tune).
  SolutionResult evaluate(const Solution& s, const std::vector<const Workload*>& workloads,
                          const std::function<void(const Trace&)>& on_trace = {});
  /// Evaluates several solutions workload by workload (kda tune's variants): each workload's
  /// solutions one after another, sharing one measurement of the baseline there (its runner, its
  /// untimed first call and its samples; see docs/evaluator.md, "Grouped evaluation"). Each
  /// solution keeps its own candidate runner across the workloads, under the rules of
  /// evaluate(), and gets every check of evaluate().
  /// `wanted(i, j)` says whether solutions[i] is to be measured on workloads[j] (false: skipped,
  /// e.g. measured before); `on_trace(i, trace)` is called as each verdict is stored.
  void evaluate_grouped(const std::vector<Solution>& solutions, const std::vector<const Workload*>& workloads,
                        const std::function<bool(size_t, size_t)>& wanted,
                        const std::function<void(size_t, const Trace&)>& on_trace);
  /// The device the runners report ({"name", "driver", "threads", ...}); starts the baseline
  /// runner if no evaluation has yet.
  const Json& device();
  const std::string& seed_commitment() const;
  /// Reveals the seed in the audit log; called once all evaluations are done.
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// What a session that evaluates workloads more than once should give draw_cache_bytes: a
/// quarter of the memory available now, at most 32 GiB (a top-k sweep's largest workloads take
/// 1-3 GB of draws each, and a draw that is not kept costs every variant its generation and its
/// reference call again).
size_t default_draw_cache_bytes();

/// kda-runner's path: `explicit_path`, $KDA_RUNNER, or beside /proc/self/exe.
std::filesystem::path locate_runner(const std::filesystem::path& explicit_path);

}  // namespace kda
