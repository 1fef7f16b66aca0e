// kda eval TASK_DIR [SOLUTION...]: build, evaluate against the pinned baseline, store, print.
#include <cstdio>
#include <iostream>

#include "audit/task_store.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/ranges.h"
#include "cli/table.h"
#include "core/error.h"
#include "core/utf8.h"
#include "eval/judge.h"
#include "task/task_dir.h"

namespace kda::cli {
namespace fs = std::filesystem;

namespace {

struct EvalArgs {
  std::string task;
  std::vector<std::string> solutions;
  std::string backend = "cpu";
  std::string workloads = "public";
  std::string arch;
  bool json = false;
  bool no_sandbox = false;
  bool require_sandbox = false;
  bool new_store = false;
  double budget = 1.0;
  double timeout = 20;
  int min_samples = 10;
};

// Without explicit solutions, every solutions/<name>/ of the backend's language.
std::vector<fs::path> default_solutions(const TaskDir& task, const std::string& backend) {
  std::vector<fs::path> out;
  fs::path dir = task.root / "solutions";
  if (!fs::is_directory(dir)) return out;
  std::string lang = language_for_backend(backend);
  for (auto& e : fs::directory_iterator(dir)) {
    if (!fs::exists(e.path() / "solution.json")) continue;
    if (load_solution(e.path()).language == lang) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void run_eval(const EvalArgs& a) {
  if (a.workloads != "public" && a.workloads != "hidden" && a.workloads != "all")
    fail(ErrorKind::kUsage, "--workloads must be public, hidden or all (got '" + a.workloads + "')");
  language_for_backend(a.backend);  // validates the name
  TaskDir task = load_task_dir(a.task);
  std::vector<Solution> sols;
  std::vector<fs::path> paths(a.solutions.begin(), a.solutions.end());
  if (paths.empty()) paths = default_solutions(task, a.backend);
  if (paths.empty()) fail(ErrorKind::kUsage, "no solutions given and none under " + (task.root / "solutions").string());
  for (const fs::path& p : paths) sols.push_back(load_solution(p));
  if (task.select(a.workloads).empty())
    fail(ErrorKind::kInput, task.root.string() + ": no " + a.workloads + " workloads in workloads.jsonl");

  prepare_task_store(task.root, {.command = a.new_store ? "kda eval --new-store" : "kda eval", .allow_new = a.new_store,
                                 .warn = [](const std::string& m) { std::fprintf(stderr, "kda: WARNING: %s\n", m.c_str()); }});
  EvalOptions opt;
  opt.backend = a.backend;
  opt.workloads = a.workloads;
  opt.arch = a.arch;
  opt.sandbox = !a.no_sandbox;
  opt.require_sandbox = a.require_sandbox;
  opt.stop.budget_seconds = a.budget;
  opt.stop.min_samples = a.min_samples;
  opt.call_timeout = std::chrono::milliseconds(static_cast<int64_t>(a.timeout * 1000));
  auto bar = std::make_shared<Progress>();  // done/total, elapsed, estimate (issue 20)
  opt.progress = [bar](const std::string& line) { bar->message("kda: " + line); };
  Judge judge(task, opt);
  std::vector<SolutionResult> results;
  // With --json each trace is printed as soon as it is judged (it is in the store by then), so an
  // evaluation stopped by an error still shows every verdict reached before it.
  const size_t total = sols.size() * task.select(a.workloads).size();
  size_t judged = 0;
  auto print_trace = [&a, &bar, &judged, total](const Trace& t) {
    if (a.json) std::cout << dump_json(to_json(t)) << "\n" << std::flush;
    bar->update(++judged, total, t.solution + " x " + t.workload.uuid + ": " + to_string(t.status));
  };
  for (const Solution& s : sols)
    results.push_back(judge.evaluate(s, task.select(opt.workloads), print_trace));
  judge.finish();
  bar->finish();
  if (!a.json) print_results(std::cout, results);
}

}  // namespace

void add_eval_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("eval", "Evaluate solutions on a task's workloads with the hardened evaluator");
  auto a = std::make_shared<EvalArgs>();
  cmd->add_option("TASK_DIR", a->task, "Task directory (definition.json, workloads.jsonl, baseline/, reference/)")->required();
  cmd->add_option("SOLUTION", a->solutions, "Solution JSON files or directories holding solution.json (default: all under solutions/)");
  cmd->add_option("--backend", a->backend, "cpu, cuda or hip")->capture_default_str();
  cmd->add_option("--workloads", a->workloads, "public, hidden or all")->capture_default_str();
  cmd->add_option("--arch", a->arch, "GPU target for cuda/hip builds (e.g. sm_90, gfx942)");
  cmd->add_flag("--json", a->json, "Print one flashinfer-bench-style trace per line instead of a table");
  cmd->add_flag("--no-sandbox", a->no_sandbox, "Run candidates unconfined (debugging only)");
  cmd->add_flag("--require-sandbox", a->require_sandbox, "Refuse to run unless Landlock and seccomp are enforced");
  cmd->add_flag("--new-store", a->new_store, "Start a new store where this machine's earlier store for the task is gone");
  cmd->add_option("--budget", a->budget, "Timing budget per solution and workload, seconds")->capture_default_str()->check(real_in(0.01, 3600, "seconds"));
  cmd->add_option("--timeout", a->timeout, "Per-call timeout, seconds")->capture_default_str()->check(real_in(0.1, 3600, "seconds"));
  cmd->add_option("--min-samples", a->min_samples, "Minimum timed samples per workload")->capture_default_str()->check(whole_in(1, 1000000));
  cmd->callback([a] { run_eval(*a); });
}

}  // namespace kda::cli
