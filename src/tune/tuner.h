// kda tune (DESIGN §1 stage 3): many per-shape winners become one kernel. Expands each
// solution's kda.param_space into variants, builds them in parallel, measures variants x public
// workloads with the hardened evaluator (Judge), keeping every measurement in the store's tuning
// database keyed by variant source, workload, device, toolchain and definition (so a rerun, or
// a run after an interruption, measures only what is missing, and nothing is ever reused on
// another device, toolchain or source); drops variants dominated everywhere; segments the shapes
// into at most max_specialists regimes; writes the router; then evaluates the router and the
// surviving variants on the hidden workloads the tuner never chose with, and reports the
// router's regret against the per-shape oracle and its speedups.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/json_io.h"
#include "eval/judge.h"
#include "task/task_dir.h"

namespace kda {

struct TuneOptions {
  std::vector<std::filesystem::path> solutions;  ///< empty: every solutions/<name> of the backend's language
  size_t max_specialists = 4;
  std::filesystem::path out;  ///< router directory; empty: TASK/routers/<definition>_<backend>
  size_t build_jobs = 0;      ///< parallel builds; 0: one per core
  bool fresh = false;         ///< measure again even where the tuning database has a result
  int hidden_rounds = 3;      ///< independent evaluations per pair in the hidden check; best kept
  EvalOptions eval;           ///< backend, budget, sandbox (workloads is ignored: public to tune, hidden to check)
  std::function<void(const std::string&)> progress;  ///< one line per step
  /// Called after each measurement: (done, total, what). kda tune draws its progress bar here.
  std::function<void(size_t, size_t, const std::string&)> tick;
};

struct VariantSummary {
  std::string name;
  bool built = false;
  bool dominated = false;   ///< slower or failing on every public workload than some other variant
  size_t public_passed = 0;
  double public_geomean_ms = 0;  ///< over public workloads (0 unless it passed all of them)
};

struct TuneReport {
  std::filesystem::path router_dir;
  std::filesystem::path regimes_json;
  Json regimes;  ///< the regime table
  std::vector<VariantSummary> variants;
  size_t measurements_total = 0, measurements_reused = 0;
  // Public (tuning) shapes: the router's predicted geomean against the per-shape oracle.
  double public_regret = 0;
  // Hidden shapes (none when the task has no hidden workloads).
  size_t hidden_workloads = 0;
  bool router_passed_hidden = false;
  double hidden_router_geomean_ms = 0, hidden_oracle_geomean_ms = 0, hidden_regret = 0;
  double hidden_speedup_vs_baseline = 0;     ///< geomean of the router's speedup_factor
  std::string best_single_variant;           ///< best public geomean among variants passing every public workload
  double hidden_speedup_vs_best_single = 0;  ///< geomean of best_single latency / router latency
  /// Per hidden workload: {workload, router_ms, routed_to, oracle_ms, oracle_variant}; a
  /// latency is null where the run did not pass. Shows where any regret comes from.
  Json hidden_detail = Json::array();
  Json to_json() const;
};

TuneReport tune(const TaskDir& task, const TuneOptions& opt);

}  // namespace kda
