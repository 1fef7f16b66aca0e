// The research stage of a run (DESIGN §7), before any round: the writer proposes a plan and an
// analyst reviews it, read-only and in a fresh session each round, for up to three rounds (a
// REVISE sends the analyst's issues back to the writer). A plan given with --plan is the
// person's: the analyst reviews it once. The outcome is an approved plan, or the decisions left
// to the person (the run then waits for `kda resume RUN --accept-plan`).
//
// The built-in writer proposes the default plan (plan.h) with the task's facts as rationale; a
// model writer gets a brief (definition, workload counts, the start candidate's tunables, wiki
// hits) and commands to time the start candidate on public workloads and search the wiki, and
// answers {"plan": <plan.json>, "rationale": "..."}. The built-in analyst applies the rules of
// review_plan(); a model analyst answers {"verdict": "APPROVE"|"REVISE", "issues": [...],
// "open_decisions": [...]}, and anything else counts as REVISE. Every proposal and review is a
// file under research/ and a record in the run's audit log.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agents/agent.h"
#include "audit/audit_log.h"
#include "core/json_io.h"
#include "loop/plan.h"
#include "task/task_dir.h"

namespace kda::loop {

inline constexpr int kMaxResearchRounds = 3;

struct ResearchInput {
  const TaskDir* task = nullptr;
  std::filesystem::path dir;             ///< the run directory (research/ goes inside)
  std::filesystem::path start_solution;  ///< the candidate the rounds will start from
  std::optional<Plan> given;             ///< --plan: the person's plan
  std::string writer = "builtin";        ///< agent names, as in RunOptions
  std::string analyst = "builtin";
  bool accept_plan = false;              ///< the person approved on the command line
  long max_tokens = 0;                   ///< the run's budgets: no further research round past them
  double max_cost_usd = 0;
  agents::Permissions writer_permissions;  ///< the commands a model writer may run
  /// Makes a non-builtin agent by name (the engine's factory: frozen specs, script:FILE).
  std::function<std::unique_ptr<agents::Agent>(const std::string& name, agents::Role role)> make_agent;
  AuditLog* audit = nullptr;
};

struct ResearchOutcome {
  Plan plan;
  bool approved = false;
  std::string approved_by;  ///< who approved (when approved)
  Json issues = Json::array();          ///< the last review's issues
  Json open_decisions = Json::array();  ///< questions only the person can answer
  int rounds = 0;
  Json usage = Json::object();          ///< tokens and cost of the agents, summed
};

/// The built-in analyst: {"verdict", "issues", "open_decisions"} for `plan` on `task`.
/// Issues are defects the writer must fix (criteria not checked on hidden workloads, no
/// correctness criterion, a speedup target under 1, a round budget out of range); open decisions
/// are choices that are the person's to make (a task without verifier review).
Json review_plan(const Plan& plan, const TaskDir& task);

/// Runs the stage; writes research/brief.md and research/<n>/{proposal.json, review.json, ...}.
ResearchOutcome run_research(const ResearchInput& in);

}  // namespace kda::loop
