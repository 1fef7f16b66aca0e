// The gated loop (DESIGN §1 stage 2, §7): per plan task, rounds of WRITE (the writer edits the
// candidate in its own git worktree; each round is a commit) → CHECK (kda verifies by hash that
// nothing frozen changed, then evaluates the candidate with the hardened evaluator on every
// workload and evaluates the plan's criteria on the hidden ones) → REVIEW (a fresh read-only
// verifier answers a JSON verdict from the evidence bundle) → PASS or REVISE. Between CHECK and
// REVIEW, on a GPU backend with Nsight Compute, PROFILE: the candidate is profiled in a process of
// its own on one public workload; its ranked findings go into this round's evidence and the next
// round's writer context, with the diff against the incumbent's profile and the wiki's hits. CONSULT after
// K failed rounds, ESCALATE after M (ESCALATION.md, the run pauses until `kda resume --note`),
// stop a task that goes in circles. Every finished step is journaled (journal.h), every step
// and verdict is in the run's hash-chained audit log, and `resume_run` after a crash at any
// point continues without redoing a finished step.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "core/json_io.h"

namespace kda::loop {

struct RunOptions {
  std::filesystem::path task_dir;
  std::string backend = "cpu";
  std::string arch;
  std::string writer = "builtin";    ///< builtin, script:REPLAY_FILE, or an agent of the agents config
  std::string verifier = "builtin";
  std::string analyst = "builtin";   ///< reviews the plan in the research stage (research.h)
  std::filesystem::path agents_config;  ///< empty: $KDA_AGENTS, ~/.config/kda/agents.json, built-ins
  long max_tokens = 0;                  ///< prompt + completion tokens of every agent call; 0: no limit
  double max_cost_usd = 0;              ///< what the agents report they cost; 0: no limit
  std::filesystem::path plan;        ///< empty: the built-in writer's plan
  std::filesystem::path run_dir;     ///< empty: <task>/.kda/runs/<run-id>
  std::string start_solution;        ///< a solution directory; empty: chosen from <task>/solutions
  double eval_budget_seconds = 0.3;  ///< timing budget per workload in CHECK
  double max_workload_mb = 0;        ///< --max-workload-mb, kept in run.json for every CHECK; 0: all
  double wall_seconds = 0;           ///< 0: no limit
  bool sandbox = true;
  bool accept_plan = false;         ///< the person approves on the command line (else the analyst must)
  /// Profiling in every round: "auto" (CUDA backend with ncu on PATH or $KDA_NCU), "off", or
  /// "replay:DIR" (serve the Nsight Compute pages exported in DIR instead of running ncu, on any
  /// backend: CI and machines without a GPU; profile/replay_runner.h).
  std::string profile = "auto";
  int profile_timeout_s = 240;   ///< ncu is stopped after this; the round goes on without findings
  int profile_launch_count = 20; ///< most kernel launches profiled per round
  std::function<void(const std::string&)> status;  ///< the live status line (may be empty)
};

struct RunOutcome {
  std::filesystem::path run_dir;
  std::string state;  ///< completed | paused | stopped
  Json tasks;         ///< [{id, status, rounds, best_geomean_speedup, best_commit}]
};

/// Creates the run directory and the writer's worktree, runs the research stage (research.h),
/// and once the plan is approved freezes the plan, criteria and baseline (hashes into the audit
/// log) and runs until done or paused. A plan that waits for the person's approval pauses the
/// run before its first round (state "paused", PLAN_REVIEW.md).
RunOutcome start_run(const RunOptions& opt);
/// Continues a run from its journal. `note` (a file) answers an escalation; `accept_plan`
/// approves a plan that waits for the person (kUsage error when it waits and this is false).
RunOutcome resume_run(const std::filesystem::path& run_dir, const std::filesystem::path& note = {},
                      std::function<void(const std::string&)> status = {}, bool accept_plan = false);
/// The run's state without changing anything.
Json run_status(const std::filesystem::path& run_dir);

}  // namespace kda::loop
