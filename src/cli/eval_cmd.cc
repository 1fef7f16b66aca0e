// kda eval TASK_DIR [SOLUTION...]: build, evaluate against the pinned baseline, store, print.
// TASK_DIR may be a flashinfer-trace dataset root with --definition / --op-type (cli/paths.h);
// then each trace is also appended to DATASET/traces/<author>/<op_type>/<definition>.jsonl.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>

#include "audit/task_store.h"
#include "cli/commands.h"
#include "cli/paths.h"
#include "cli/progress.h"
#include "cli/ranges.h"
#include "cli/table.h"
#include "core/error.h"
#include "core/utf8.h"
#include "build/python_build.h"
#include "eval/judge.h"
#include "eval/phase_timer.h"
#include "task/dataset.h"
#include "task/task_dir.h"

namespace kda::cli {
namespace fs = std::filesystem;

namespace {

struct EvalArgs {
  TaskSelection task;
  std::vector<std::string> solutions;
  std::string backend = "cpu";
  std::string workloads = "public";
  std::string arch;
  bool json = false;
  bool no_sandbox = false;
  bool require_sandbox = false;
  bool new_store = false;
  bool profile_phases = false;
  bool fresh_runners = false;
  double budget = 1.0;
  double timeout = 20;
  int min_samples = 10;
};

// Whether `backend` can run `s`: its native language, or the Python runner's (python anywhere,
// triton on a GPU, cpp/cuda with a torch binding on their own backend).
bool backend_runs(const Solution& s, const std::string& backend) {
  if (s.language == language_for_backend(backend)) return true;
  if (!runs_in_python(s)) return false;
  return s.language == "python" || (s.language == "triton" && backend != "cpu");
}

// Without explicit solutions, the task's own (TaskDir::solution_paths) that the backend runs.
std::vector<fs::path> default_solutions(const TaskDir& task, const std::string& backend) {
  std::vector<fs::path> out;
  for (const fs::path& p : task.solution_paths())
    if (backend_runs(load_solution(p), backend)) out.push_back(p);
  return out;
}

// The solutions given on the command line that are for `task`: with several definitions
// selected, each solution goes to the definition it names.
std::vector<Solution> solutions_for(const TaskDir& task, const std::vector<Solution>& given, bool several) {
  std::vector<Solution> out;
  for (const Solution& s : given)
    if (!several || s.definition == task.definition.name) out.push_back(s);
  return out;
}

void eval_task(const EvalArgs& a, const TaskDir& task, std::vector<Solution> sols) {
  if (task.select(a.workloads).empty())
    fail(ErrorKind::kInput, task.root.string() + ": no " + a.workloads + " workloads for " + task.definition.name + " in " +
                                task.workloads_file().string());
  prepare_store(task, a.new_store ? "kda eval --new-store" : "kda eval", a.new_store);
  EvalOptions opt;
  opt.backend = a.backend;
  opt.workloads = a.workloads;
  opt.arch = a.arch;
  opt.sandbox = !a.no_sandbox;
  opt.require_sandbox = a.require_sandbox;
  opt.keep_candidate_runners = !a.fresh_runners;
  opt.stop.budget_seconds = a.budget;
  opt.stop.min_samples = a.min_samples;
  opt.call_timeout = std::chrono::milliseconds(static_cast<int64_t>(a.timeout * 1000));
  if (sols.size() > 1) opt.draw_cache_bytes = default_draw_cache_bytes();  // each workload is evaluated once per solution
  auto bar = std::make_shared<Progress>();  // done/total, elapsed, estimate (issue 20)
  opt.progress = [bar](const std::string& line) { bar->message("kda: " + line); };
  Judge judge(task, opt);
  std::vector<SolutionResult> results;
  // With --json each trace is printed as soon as it is judged (it is in the store by then), so an
  // evaluation stopped by an error still shows every verdict reached before it.
  const size_t total = sols.size() * task.select(a.workloads).size();
  size_t judged = 0;
  std::map<std::string, std::string> author;  // solution name -> author, for the dataset's traces/
  for (const Solution& s : sols) author[s.name] = s.author;
  auto print_trace = [&a, &bar, &judged, total, &task, &author](const Trace& t) {
    // Hidden workloads' traces stay in the store: traces/ is the dataset's, readable by whoever
    // reads the dataset (a writer agent included), and would show the hidden shapes.
    if (task.dataset && t.workload.split == Split::kPublic) append_trace_line(dataset_trace_file(task, author[t.solution]), t);
    if (a.json) std::cout << dump_json(to_json(t)) << "\n" << std::flush;
    bar->update(++judged, total, t.solution + " x " + t.workload.uuid + ": " + to_string(t.status));
  };
  for (const Solution& s : sols)
    results.push_back(judge.evaluate(s, task.select(opt.workloads), print_trace));
  judge.finish();
  bar->finish();
  if (!a.json) {
    if (task.dataset) std::cout << task.definition.name << ":\n";
    print_results(std::cout, results);
  }
}

void run_eval(const EvalArgs& a) {
  PhaseReport phases(a.profile_phases);  // the table goes to stderr at the end: --json output is unchanged
  if (a.workloads != "public" && a.workloads != "hidden" && a.workloads != "all")
    fail(ErrorKind::kUsage, "--workloads must be public, hidden or all (got '" + a.workloads + "')");
  language_for_backend(a.backend);  // validates the name
  std::vector<TaskDir> tasks = load_selected_tasks(a.task);
  std::vector<Solution> given;
  for (const std::string& p : a.solutions) given.push_back(load_solution(p));
  const bool several = tasks.size() > 1;
  if (several)
    for (const Solution& s : given) {
      const bool named = std::any_of(tasks.begin(), tasks.end(), [&](const TaskDir& t) { return t.definition.name == s.definition; });
      if (!named) fail(ErrorKind::kUsage, "solution " + s.name + " is for definition '" + s.definition + "', which is not selected");
    }
  size_t evaluated = 0;
  for (const TaskDir& task : tasks) {
    std::vector<Solution> sols = solutions_for(task, given, several);
    if (given.empty())
      for (const fs::path& p : default_solutions(task, a.backend)) sols.push_back(load_solution(p));
    if (sols.empty()) {
      const std::string where = task.dataset ? "under " + (task.root / "solutions").string() + " for " + task.definition.name
                                             : "under " + (task.root / "solutions").string();
      // One definition of several without solutions is skipped; a lone one is an error.
      if (several) {
        std::fprintf(stderr, "kda: %s: no solutions the %s backend runs %s; skipped\n", task.definition.name.c_str(),
                     a.backend.c_str(), where.c_str());
        continue;
      }
      fail(ErrorKind::kUsage, "no solutions given and none " + where);
    }
    eval_task(a, task, std::move(sols));
    ++evaluated;
  }
  if (evaluated == 0) fail(ErrorKind::kUsage, "no solutions given and none found for any selected definition");
}

}  // namespace

void add_eval_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("eval", "Evaluate solutions on a task's workloads with the hardened evaluator");
  auto a = std::make_shared<EvalArgs>();
  add_task_selection(cmd, a->task, "evaluate");
  cmd->add_option("SOLUTION", a->solutions,
                  "Solution JSON files or directories holding solution.json (default: the task's solutions/, or the "
                  "dataset's solutions for each selected definition)");
  cmd->add_option("--backend", a->backend, "cpu, cuda or hip")->capture_default_str();
  cmd->add_option("--workloads", a->workloads, "public, hidden or all")->capture_default_str();
  cmd->add_option("--arch", a->arch, "GPU target for cuda/hip builds (e.g. sm_90, gfx942)");
  cmd->add_flag("--json", a->json, "Print one flashinfer-bench-style trace per line instead of a table");
  cmd->add_flag("--no-sandbox", a->no_sandbox, "Run candidates unconfined (debugging only)");
  cmd->add_flag("--require-sandbox", a->require_sandbox, "Refuse to run unless Landlock and seccomp are enforced");
  cmd->add_flag("--new-store", a->new_store, "Start a new store where this machine's earlier store for the task is gone");
  cmd->add_flag("--profile-phases", a->profile_phases, "Print where the evaluator's time went, phase by phase, to stderr");
  cmd->add_flag("--fresh-runners", a->fresh_runners,
                "Start a new candidate runner for every workload instead of keeping one across a pass's workloads");
  cmd->add_option("--budget", a->budget, "Timing budget per solution and workload, seconds")->capture_default_str()->check(real_in(0.01, 3600, "seconds"));
  cmd->add_option("--timeout", a->timeout, "Per-call timeout, seconds")->capture_default_str()->check(real_in(0.1, 3600, "seconds"));
  cmd->add_option("--min-samples", a->min_samples, "Minimum timed samples per workload")->capture_default_str()->check(whole_in(1, 1000000));
  cmd->callback([a] { run_eval(*a); });
}

}  // namespace kda::cli
