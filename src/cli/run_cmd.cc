// kda run TASK_DIR: the gated loop (docs/loop.md). Prints the run directory on stdout; the live
// status line goes to stderr. A thin layer over src/loop. TASK_DIR may be a flashinfer-trace
// dataset root with --definition / --op-type: each selected definition gets a run of its own,
// its task named by the definition's file (load_task_dir reads it where it lies).
#include <iostream>

#include "audit/task_store.h"
#include "cli/commands.h"
#include "cli/paths.h"
#include "cli/progress.h"
#include "cli/ranges.h"
#include "core/error.h"
#include "loop/engine.h"

namespace kda::cli {
namespace {

// The loop's status line; on a terminal redrawn in place with its round as done/total.
std::function<void(const std::string&)> run_progress(std::shared_ptr<Progress> bar) {
  return [bar](const std::string& line) {
    int n = 0, max = 0;
    const size_t at = line.find(" round ");
    if (bar->tty() && at != std::string::npos && std::sscanf(line.c_str() + at, " round %d/%d", &n, &max) == 2 && max > 0)
      bar->update(static_cast<size_t>(n - 1), static_cast<size_t>(max), line, false);
    else
      bar->message(line);
  };
}

}  // namespace

namespace {
void print_outcome(const loop::RunOutcome& o) {
  for (const Json& t : o.tasks) {
    char g[32];
    std::snprintf(g, sizeof g, "%.3f", t.value("best_geomean_speedup", 0.0));
    std::cerr << "kda: task " << t["id"].get<std::string>() << ": " << t["status"].get<std::string>() << " after "
              << t["rounds"].get<int>() << " round(s), best hidden geomean speedup " << g << "x\n";
  }
  if (o.state == "paused")
    std::cerr << "kda: paused for a person: read " << (o.run_dir / "ESCALATION.md").string()
              << ", then `kda resume " << o.run_dir.string() << " --note FILE`\n";
  std::cout << o.run_dir.string() << "\n";
}
}  // namespace

void report_run_outcome(const loop::RunOutcome& o) { print_outcome(o); }

void add_run_command(CLI::App& root) {
  auto opt = std::make_shared<loop::RunOptions>();
  auto task = std::make_shared<TaskSelection>();
  auto plan = std::make_shared<std::string>();
  auto run_dir = std::make_shared<std::string>();
  auto no_sandbox = std::make_shared<bool>(false);
  auto accept = std::make_shared<bool>(false);
  auto new_store = std::make_shared<bool>(false);
  auto* cmd = root.add_subcommand("run", "Run the gated loop on a task: plan, write, check, review (docs/loop.md)");
  add_task_selection(cmd, *task, "run the loop on");
  cmd->add_option("--backend", opt->backend, "cpu, cuda or hip")->capture_default_str();
  cmd->add_option("--arch", opt->arch, "Build target for cuda/hip (default: from the device)");
  cmd->add_option("--writer", opt->writer, "Writer agent: builtin, claude, codex, kimi, or one of the agents file (kda agents list)")
      ->capture_default_str();
  cmd->add_option("--verifier", opt->verifier, "Verifier agent (runs read-only): builtin or a named agent")->capture_default_str();
  cmd->add_option("--analyst", opt->analyst, "Analyst agent that reviews the proposed plan (read-only): builtin or a named agent")
      ->capture_default_str();
  cmd->add_option("--agents", opt->agents_config, "Agents file (default: $KDA_AGENTS, else ~/.config/kda/agents.json; docs/agents.md)");
  cmd->add_option("--max-tokens", opt->max_tokens, "Stop when the agents have used this many tokens (0: no limit)")->capture_default_str()->check(whole_in(0, 1000000000000LL));
  cmd->add_option("--max-cost", opt->max_cost_usd, "Stop when the agents report this cost in USD (0: no limit)")->capture_default_str()->check(real_in(0, 1000000, "USD"));
  cmd->add_option("--plan", *plan, "plan.json (default: the built-in writer's plan)");
  cmd->add_flag("--accept-plan", *accept, "Approve the plan yourself, unattended (else the analyst must approve it, or the run waits for you)");
  cmd->add_option("--start", opt->start_solution, "Solution directory to start from (default: one declaring kda.param_space)");
  cmd->add_option("--run-dir", *run_dir, "Where the run directory goes (default: TASK_DIR/.kda/runs/<run-id>)");
  cmd->add_option("--budget", opt->eval_budget_seconds, "Timing budget per workload in each CHECK, seconds")->capture_default_str()->check(real_in(0.01, 3600, "seconds"));
  cmd->add_option("--wall-time", opt->wall_seconds, "Stop after this many seconds (0: no limit)")->capture_default_str()->check(real_in(0, 31536000, "seconds"));
  cmd->add_flag("--no-sandbox", *no_sandbox, "Run candidates unconfined (only for code you trust)");
  cmd->add_option("--profile", opt->profile,
                  "Profile each round's candidate: auto (CUDA with ncu), off, or replay:DIR (recorded Nsight Compute pages)")
      ->capture_default_str();
  cmd->add_option("--profile-timeout", opt->profile_timeout_s, "Seconds before a round's profile is stopped")
      ->capture_default_str()->check(whole_in(10, 3600));
  cmd->add_flag("--new-store", *new_store, "Start a new store where this machine's earlier store for the task is gone");
  cmd->callback([=] {
    // The loop re-reads its task by path (run.json's task_dir) in every CHECK and on resume, so
    // a store or split chosen on this command line would not follow it there.
    if (!task->store.empty() || !task->hidden.empty())
      fail(ErrorKind::kUsage, "kda run does not take --store or --hidden: the loop reloads its task by path in every "
                              "check; use the task's own store (for a dataset: DATASET/.kda/<definition>)");
    const std::vector<TaskDir> tasks = load_selected_tasks(*task);
    if (tasks.size() > 1 && !run_dir->empty())
      fail(ErrorKind::kUsage, "--run-dir names one run; " + std::to_string(tasks.size()) + " definitions are selected");
    for (const TaskDir& t : tasks) {
      prepare_store(t, *new_store ? "kda run --new-store" : "kda run", *new_store);
      opt->task_dir = t.dataset ? t.definition_file() : t.root;
      opt->max_workload_mb = task->max_workload_mb;
      opt->plan = *plan;
      opt->run_dir = *run_dir;
      opt->sandbox = !*no_sandbox;
      opt->accept_plan = *accept;
      auto bar = std::make_shared<Progress>();
      opt->status = run_progress(bar);
      auto outcome = loop::start_run(*opt);
      bar->finish();
      print_outcome(outcome);
    }
  });
}

}  // namespace kda::cli
