// The private state of one run, shared by the files of the engine (not part of the module's
// API; engine.h is): engine.cc holds the run's lifecycle (lay out, research, freeze, open,
// resume, status), run_support.cc the bookkeeping (integrity, lessons, state, budgets), round.cc
// one round's steps (WRITE, CHECK, REVIEW, decide) and the task loop, round_profile.cc the
// PROFILE step. evidence.h builds what the agents read, prompts.h what they are told.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "audit/audit_log.h"
#include "core/json_io.h"
#include "core/subprocess.h"
#include "loop/engine.h"
#include "loop/journal.h"
#include "loop/plan.h"
#include "task/task_dir.h"

namespace kda::profile {
class Runner;
}

namespace kda::loop {

inline constexpr int kRunSchemaVersion = 1;

std::string now_utc();
/// Content hash of a file or directory tree (relative paths and file hashes, sorted).
std::string hash_tree(const std::filesystem::path& p);
/// The hashes frozen when the plan is approved (task inputs, plan, evaluator settings).
Json frozen_hashes(const TaskDir& task, const std::filesystem::path& run_dir, const Json& meta);
/// Runs git in `repo`; kEnvironment on failure.
ProcessResult git(const std::filesystem::path& repo, std::vector<std::string> args);
/// Whether a line of an append-only ledger contains `tag`.
bool ledger_has(const std::filesystem::path& file, const std::string& tag);
std::string trim(std::string s);
/// A configured agent runs as it was when the run started: its spec is frozen in run.json.
std::unique_ptr<agents::Agent> make_named_agent(const Json& meta, const std::filesystem::path& dir,
                                                const std::string& name, agents::Role role);
/// What a model writer may run from its workspace: timing `solution` on public workloads,
/// profiling it (GPU backends), diffing profiles, searching the wiki.
agents::Permissions model_writer_permissions(const Json& meta, const std::string& solution);
/// The audit log's first plan_frozen record, if there is one.
std::optional<Json> plan_frozen_record(const std::filesystem::path& audit_path);

/// One process drives a run at a time: a second `kda resume` of the same run is refused.
struct RunLock {
  int fd = -1;
  explicit RunLock(const std::filesystem::path& dir);
  ~RunLock();
};

struct Run {
  std::unique_ptr<RunLock> lock;
  std::filesystem::path dir;
  Json meta;  // run.json
  Plan plan;
  TaskDir task;
  std::unique_ptr<Journal> journal;
  std::unique_ptr<AuditLog> audit;
  std::function<void(const std::string&)> status;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  std::filesystem::path workspace() const { return dir / "workspace"; }
  std::filesystem::path round_dir(const std::string& t, int n) const { return dir / "rounds" / t / std::to_string(n); }
  void log(const std::string& event, const Json& data) { audit->append(event, data); }

  // run_support.cc
  std::string integrity_problem();
  std::unique_ptr<agents::Agent> make_agent(const std::string& name, agents::Role role);
  agents::Permissions writer_permissions() const;
  agents::Usage spent() const;
  Json read_lessons();
  void write_state();
  Json summary();
  RunOutcome outcome(const std::string& state);

  // round.cc
  RunOutcome run_tasks(const std::string& note_text);
  Json write_step(const PlanTask& t, int n, const Json& tried, const Json& advice);
  Json check_step(const PlanTask& t, int n);
  Json evaluate_candidate(const PlanTask& t);
  Json review_step(const PlanTask& t, int n, const Json& write, const Json& check, const Json& profile);
  void decide(const PlanTask& t, int n, const Json& w, const Json& c, const Json& v, bool pass);
  void finish_task(const PlanTask& t, const std::string& status_text, int rounds);
  void escalate(const PlanTask& t, int n, int failures);

  // round_profile.cc
  /// PROFILE: after the CHECK (its timing is done and recorded), the candidate is profiled in
  /// its own process on the representative public workload; never changes the round's verdict
  /// by itself and never fails it (a failed profile is recorded as such).
  Json profile_step(const PlanTask& t, int n, const Json& check);
  /// The most recent earlier round of `t` with a profile, as its profile step's record (null
  /// when none): its findings go to the writer of round n.
  Json latest_profile(const PlanTask& t, int n);
  /// What the profiler is for this run: "" when it profiles, else why not.
  std::string profiler_unavailable();
  std::unique_ptr<profile::Runner> make_profiler();
};

}  // namespace kda::loop
