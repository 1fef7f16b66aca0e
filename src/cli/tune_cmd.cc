// kda tune TASK_DIR [SOLUTION...]: sweep variants x public workloads, emit a shape router, check
// it on the hidden workloads (src/tune). Progress on stderr; the summary (or --json) on stdout.
// TASK_DIR may be a flashinfer-trace dataset root with --definition / --op-type (cli/paths.h).
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "audit/task_store.h"
#include "cli/commands.h"
#include "cli/paths.h"
#include "cli/progress.h"
#include "cli/ranges.h"
#include "core/error.h"
#include "eval/phase_timer.h"
#include "task/task_dir.h"
#include "tune/router.h"
#include "tune/tuner.h"

namespace kda::cli {
namespace fs = std::filesystem;

namespace {

struct TuneArgs {
  TaskSelection task;
  std::vector<std::string> solutions;
  std::string backend = "cpu";
  std::string arch;
  std::string out;
  size_t max_specialists = 4;
  size_t jobs = 0;
  bool json = false;
  bool fresh = false;
  bool no_sandbox = false;
  bool require_sandbox = false;
  bool new_store = false;
  bool profile_phases = false;
  bool fresh_runners = false;
  double budget = 0.5;
  double timeout = 20;
  int min_samples = 10;
  int hidden_rounds = 3;
};

// A bar redrawn in place on a terminal (done/total, elapsed, estimate); one line per measurement
// when stderr is a file or pipe.
void draw_progress(size_t done, size_t total, const std::string& what) {
  static Progress bar;
  bar.update(done, total, what);
  if (done == total) bar.finish();
}

void print_summary(const TuneReport& r) {
  std::cout << "router: " << r.router_dir.string() << "\nregimes: " << describe_regimes(r.regimes) << "\n";
  std::cout << "measurements: " << r.measurements_total << " (" << r.measurements_reused << " reused from the tuning database)\n";
  std::printf("public shapes: predicted regret against the per-shape oracle %.2f %%\n", r.public_regret * 100);
  if (r.hidden_workloads == 0) {
    std::cout << "hidden shapes: none in workloads.jsonl, so the router is unchecked on unseen shapes\n";
    return;
  }
  std::printf("hidden shapes (%zu): router %s; regret against the oracle %.2f %%; speedup over the baseline %.2fx; "
              "over the best single variant (%s) %.2fx\n",
              r.hidden_workloads, r.router_passed_hidden ? "PASSED every one" : "did NOT pass every one", r.hidden_regret * 100,
              r.hidden_speedup_vs_baseline, r.best_single_variant.c_str(), r.hidden_speedup_vs_best_single);
}

void tune_task(const TuneArgs& a, const TaskDir& task, const std::vector<fs::path>& solutions, bool several) {
  prepare_store(task, a.new_store ? "kda tune --new-store" : "kda tune", a.new_store);
  TuneOptions opt;
  opt.solutions = solutions;
  opt.max_specialists = a.max_specialists;
  opt.out = a.out;
  if (several && !a.out.empty()) opt.out = fs::path(a.out) / task.definition.name;
  // A dataset's folders are its own: the router goes beside the store, not into the dataset.
  if (task.dataset && a.out.empty()) opt.out = task.store_dir() / "routers" / (task.definition.name + "_" + a.backend);
  opt.build_jobs = a.jobs;
  opt.fresh = a.fresh;
  opt.hidden_rounds = a.hidden_rounds;
  opt.eval.backend = a.backend;
  opt.eval.arch = a.arch;
  opt.eval.sandbox = !a.no_sandbox;
  opt.eval.require_sandbox = a.require_sandbox;
  opt.eval.keep_candidate_runners = !a.fresh_runners;
  opt.eval.stop.budget_seconds = a.budget;
  opt.eval.stop.min_samples = a.min_samples;
  opt.eval.call_timeout = std::chrono::milliseconds(static_cast<int64_t>(a.timeout * 1000));
  opt.progress = [](const std::string& line) { std::fprintf(stderr, "kda: %s\n", line.c_str()); };
  opt.tick = draw_progress;
  TuneReport r = tune(task, opt);
  if (several && !a.json) std::cout << task.definition.name << ":\n";
  if (a.json) std::cout << r.to_json().dump() << "\n";
  else print_summary(r);
  // A router that fails an unseen shape is not a result to ship: say so in the exit code.
  if (r.hidden_workloads > 0 && !r.router_passed_hidden)
    fail(ErrorKind::kVerdict, "the router did not pass every hidden workload; its traces are in the store (kda store show)");
}

void run_tune(const TuneArgs& a) {
  PhaseReport phases(a.profile_phases);  // the table goes to stderr at the end: --json output is unchanged
  std::vector<TaskDir> tasks = load_selected_tasks(a.task);
  const bool several = tasks.size() > 1;
  for (const TaskDir& task : tasks) {
    std::vector<fs::path> sols;
    for (const std::string& s : a.solutions)
      if (!several || load_solution(s).definition == task.definition.name) sols.push_back(s);
    if (several && !a.solutions.empty() && sols.empty()) continue;  // no named solution is for this definition
    tune_task(a, task, sols, several);
  }
}

}  // namespace

void add_tune_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("tune", "Sweep tunable variants x shapes and emit a shape-aware router solution");
  auto a = std::make_shared<TuneArgs>();
  add_task_selection(cmd, a->task, "tune");
  cmd->add_option("SOLUTION", a->solutions, "Solutions whose kda.param_space to sweep (default: all under solutions/ of the backend's language)");
  cmd->add_option("--backend", a->backend, "cpu, cuda or hip")->capture_default_str();
  cmd->add_option("--arch", a->arch, "GPU target for cuda/hip builds (e.g. sm_90, gfx942)");
  cmd->add_option("--max-specialists", a->max_specialists, "Most regimes (specialist kernels) the router may have")
      ->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--out", a->out, "Router directory (default: TASK_DIR/routers/<definition>_<backend>; for a dataset, in its store's routers/)");
  cmd->add_option("--jobs", a->jobs, "Parallel builds (default: one per core)")->check(whole_in(0, 1024));
  cmd->add_flag("--json", a->json, "Print the report as one JSON object (router path, regimes, regret, speedups)");
  cmd->add_flag("--fresh", a->fresh, "Measure again even where the tuning database has a result");
  cmd->add_flag("--no-sandbox", a->no_sandbox, "Run candidates unconfined (debugging only)");
  cmd->add_flag("--require-sandbox", a->require_sandbox, "Refuse to run unless Landlock and seccomp are enforced");
  cmd->add_flag("--new-store", a->new_store, "Start a new store where this machine's earlier store for the task is gone");
  cmd->add_flag("--profile-phases", a->profile_phases, "Print where the evaluator's time went, phase by phase, to stderr");
  cmd->add_flag("--fresh-runners", a->fresh_runners,
                "Start a new candidate runner for every workload instead of keeping one across a pass's workloads");
  cmd->add_option("--budget", a->budget, "Timing budget per variant and workload, seconds")->capture_default_str()->check(real_in(0.01, 3600, "seconds"));
  cmd->add_option("--timeout", a->timeout, "Per-call timeout, seconds")->capture_default_str()->check(real_in(0.1, 3600, "seconds"));
  cmd->add_option("--min-samples", a->min_samples, "Minimum timed samples per workload")->capture_default_str()->check(whole_in(1, 1000000));
  cmd->add_option("--hidden-rounds", a->hidden_rounds,
                  "Separate evaluations of each variant and the router per hidden workload (the best counts)")
      ->capture_default_str()->check(CLI::Range(1, 20));
  cmd->callback([a] { run_tune(*a); });
}

}  // namespace kda::cli
