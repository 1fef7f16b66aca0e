// The run's lifecycle (engine.h): a new run's directory and worktree, the research stage, the
// freeze of the approved plan, opening a run under its lock, resume and status. One round's
// steps are in round.cc, the PROFILE step in round_profile.cc, the bookkeeping in
// run_support.cc (run.h).
#include "loop/engine.h"
#include "task/workload_size.h"

#include <unistd.h>

#include <ctime>
#include <optional>
#include <random>

#include "agents/config.h"
#include "agents/scripted_agent.h"
#include "audit/audit_log.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "loop/research.h"
#include "loop/run.h"

namespace kda::loop {
namespace fs = std::filesystem;
namespace {

std::string new_run_id() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "run-%Y%m%d-%H%M%S", std::gmtime(&t));
  std::random_device rd;
  return std::string(buf) + "-" + sha256_hex(std::to_string(rd()) + std::to_string(::getpid())).substr(0, 6);
}

fs::path choose_start_solution(const fs::path& task, const std::string& backend) {
  const std::string lang = backend == "cpu" ? "cpp" : backend;
  fs::path fallback;
  std::vector<fs::path> dirs;
  if (fs::exists(task / "solutions"))
    for (auto& e : fs::directory_iterator(task / "solutions"))
      if (fs::exists(e.path() / "solution.json")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  for (const fs::path& d : dirs) {
    Solution s = load_solution(d);
    if (s.language != lang) continue;
    if (!s.param_space.empty()) return d;
    if (fallback.empty()) fallback = d;
  }
  if (fallback.empty())
    fail(ErrorKind::kInput, "no " + lang + " solution under " + (task / "solutions").string() +
                                " to start from; give one with --start SOLUTION_DIR");
  return fallback;
}

// How the run profiles its candidates (run.json "profile"): mode auto|off|replay, the replay's
// directory, and the per-round bounds (docs/loop.md, "Profiling in the loop").
Json profile_settings(const RunOptions& opt) {
  Json p = {{"mode", "auto"}, {"timeout_s", opt.profile_timeout_s}, {"launch_count", opt.profile_launch_count},
            {"clock_control_none", true}};
  const std::string& m = opt.profile;
  if (m == "off" || m == "auto") {
    p["mode"] = m;
  } else if (m.rfind("replay:", 0) == 0 && m.size() > 7) {
    const fs::path d = fs::absolute(m.substr(7));
    if (!fs::exists(d / "details.csv"))
      fail(ErrorKind::kUsage, "--profile " + m + ": " + d.string() + " holds no recorded Nsight Compute export (details.csv)");
    p["mode"] = "replay";
    p["replay_dir"] = d.string();
  } else {
    fail(ErrorKind::kUsage, "--profile takes auto, off or replay:DIR, not '" + m + "'");
  }
  return p;
}

Run open_run(const fs::path& dir, std::function<void(const std::string&)> status, bool drive = true,
             std::unique_ptr<RunLock> held = nullptr) {
  if (!fs::exists(dir / "run.json"))
    fail(ErrorKind::kNotFound, dir.string() + " is not a run directory (no run.json); `kda run` prints the run directory");
  Run r;
  r.dir = fs::absolute(dir);
  if (drive) {
    r.lock = held ? std::move(held) : std::make_unique<RunLock>(dir);
    // A process killed inside a git command leaves its lock behind; we hold the run's lock, so
    // no git process of ours is running in this worktree.
    std::error_code ec;
    fs::remove(r.dir / "workspace" / ".git" / "index.lock", ec);
  }
  r.meta = read_json_file(dir / "run.json");
  if (r.meta.value("schema_version", 0) != kRunSchemaVersion)
    fail(ErrorKind::kInput, (dir / "run.json").string() + ": unsupported schema_version");
  r.plan = load_plan(dir / "plan.json");
  r.task = load_task_dir(r.meta["task_dir"].get<std::string>());
  if (const double mb = r.meta.value("max_workload_mb", 0.0); mb > 0)  // as `kda run --max-workload-mb` chose
    leave_out_workloads_above(r.task.definition, r.task.workloads, static_cast<uint64_t>(mb * 1e6));
  r.journal = std::make_unique<Journal>(dir / "journal.sqlite");
  r.audit = std::make_unique<AuditLog>(dir / "audit.jsonl");
  r.status = std::move(status);
  return r;
}

// Writes a new run's files into `dir`: run.json (not yet frozen) and the writer's worktree.
Json lay_out_run(const fs::path& dir, const TaskDir& task, const RunOptions& opt, const fs::path& start, const Json& agent_specs) {
  Json meta = {{"schema_version", kRunSchemaVersion}, {"task_dir", fs::absolute(task.dataset ? task.definition_file() : task.root).string()},
               {"backend", opt.backend}, {"arch", opt.arch}, {"writer", opt.writer}, {"verifier", opt.verifier},
               {"analyst", opt.analyst}, {"eval_budget_seconds", opt.eval_budget_seconds}, {"wall_seconds", opt.wall_seconds},
               {"sandbox", opt.sandbox}, {"start_solution", fs::absolute(start).string()}, {"created", now_utc()},
               {"max_tokens", opt.max_tokens}, {"max_cost_usd", opt.max_cost_usd}, {"agent_specs", agent_specs},
               {"max_workload_mb", opt.max_workload_mb},
               {"profile", profile_settings(opt)}};
  write_file_atomic(dir / "run.json", meta.dump(1) + "\n");
  // The writer's worktree: the candidate only, one commit per round.
  const fs::path ws = dir / "workspace";
  fs::create_directories(ws);
  fs::copy(start, ws / "solution", fs::copy_options::recursive);
  write_file_atomic(ws / ".gitignore", ".kda/\n");
  git(ws, {"init", "-q"});
  git(ws, {"add", "-A"});
  git(ws, {"commit", "-q", "-m", "start: " + start.filename().string()});
  write_file_atomic(dir / "lessons.md", "# Lessons (one per round; later rounds and runs read them)\n\n");
  return meta;
}

// Freezes the approved plan: from here on the plan, its criteria, the evaluator configuration
// and the task's definition, workloads, reference and baseline may not change.
// The record goes into the audit log first and run.json follows: a kill in between leaves a run
// whose resume completes run.json from the record (complete_freeze), never a frozen run.json
// without its record.
void freeze_plan(const fs::path& dir, const TaskDir& task, const Plan& plan, Json meta, const std::string& approved_by) {
  write_file_atomic(dir / "plan.json", to_json(plan).dump(1) + "\n");
  write_file_atomic(dir / "plan.md", to_markdown(plan, task.definition.name));
  const Json frozen = frozen_hashes(task, dir, meta);
  AuditLog(dir / "audit.jsonl").append("plan_frozen", {{"plan_sha256", sha256_file(dir / "plan.json")}, {"frozen", frozen},
                                                      {"approved_by", approved_by}});
  meta["frozen"] = frozen;
  meta.erase("plan_state");
  write_file_atomic(dir / "run.json", meta.dump(1) + "\n");
  fs::remove(dir / "PLAN_REVIEW.md");
}

void complete_freeze(const fs::path& dir, Json meta, const Json& record) {
  meta["frozen"] = record.at("data").at("frozen");
  meta.erase("plan_state");
  write_file_atomic(dir / "run.json", meta.dump(1) + "\n");
  fs::remove(dir / "PLAN_REVIEW.md");
}

// What the person reads when the plan waits for them.
std::string plan_review_md(const fs::path& dir, const ResearchOutcome& r) {
  std::string md = "# The plan waits for your approval\n\nThe research stage ran " + std::to_string(r.rounds) +
                   " round(s) (research/). The proposed plan is plan.json (plan.md to read).\n";
  auto list = [&](const char* title, const Json& items) {
    if (items.empty()) return;
    md += std::string("\n## ") + title + "\n\n";
    for (const Json& i : items) md += "- " + (i.is_string() ? i.get<std::string>() : i.dump()) + "\n";
  };
  list("Decisions left to you", r.open_decisions);
  list("The analyst's last issues", r.issues);
  md += "\nEdit plan.json if you wish (`kda plan check plan.json`), then approve and start the rounds with\n`kda resume " +
        dir.string() + " --accept-plan`.\n";
  return md;
}

}  // namespace

// "script:REPLAY" names a file: made absolute so that `kda resume` works from anywhere.
static std::string absolute_agent(const std::string& a) {
  return a.rfind("script:", 0) == 0 ? "script:" + fs::absolute(a.substr(7)).string() : a;
}

RunOutcome start_run(const RunOptions& original) {
  RunOptions opt = original;
  opt.writer = absolute_agent(opt.writer);
  opt.verifier = absolute_agent(opt.verifier);
  opt.analyst = absolute_agent(opt.analyst);
  TaskDir task = load_task_dir(opt.task_dir);
  std::optional<Plan> given;
  if (!opt.plan.empty()) given = load_plan(opt.plan);
  const fs::path start = opt.start_solution.empty() ? choose_start_solution(task.root, opt.backend) : fs::path(opt.start_solution);
  load_solution(start);  // a broken start solution is an input error now, not in round 1
  profile_settings(opt);  // so is a bad --profile
  Json agent_specs = Json::object();
  std::optional<agents::AgentConfig> config;  // read once, and only if a configured agent is named
  for (const std::string& a : {opt.writer, opt.verifier, opt.analyst}) {
    if (a == "builtin") continue;
    if (a.rfind("script:", 0) == 0) {
      agents::make_scripted_agent(a.substr(7));  // a bad replay file is an input error now
      continue;
    }
    if (!config) config = agents::resolve_agent_config(opt.agents_config);
    const std::optional<agents::AgentSpec> spec = config->find(a);
    if (!spec) {
      std::string known = "builtin, script:REPLAY_FILE";
      for (auto& [name, s] : config->agents) known += ", " + name;
      fail(ErrorKind::kUsage, "unknown agent '" + a + "' (known: " + known + "; configure more in an agents file, docs/agents.md)");
    }
    agent_specs[a] = agents::to_json(*spec);
  }
  const fs::path dir = fs::absolute(opt.run_dir.empty() ? task.store_dir() / "runs" / new_run_id() : opt.run_dir);
  if (fs::exists(dir)) fail(ErrorKind::kUsage, dir.string() + " already exists; continue a run with `kda resume`");
  // Built under a temporary name and renamed when the plan is settled: a run directory either
  // holds a whole started run (frozen, or waiting for the person's approval) or does not exist,
  // whenever the process dies.
  const fs::path final_dir = dir;
  const fs::path partial = final_dir.string() + ".starting";
  fs::remove_all(partial);
  fs::create_directories(partial);
  Json meta = lay_out_run(partial, task, opt, start, agent_specs);
  if (opt.status) opt.status("research: proposing and reviewing the plan");
  ResearchInput ri;
  ri.task = &task;
  ri.dir = partial;
  ri.start_solution = start;
  ri.given = given;
  ri.writer = opt.writer;
  ri.analyst = opt.analyst;
  ri.accept_plan = opt.accept_plan;
  ri.max_tokens = opt.max_tokens;
  ri.max_cost_usd = opt.max_cost_usd;
  // The research writer times the start candidate as it stands in the worktree.
  ri.writer_permissions = model_writer_permissions(meta, (partial / "workspace" / "solution").string());
  ri.make_agent = [&](const std::string& name, agents::Role role) { return make_named_agent(meta, partial, name, role); };
  AuditLog audit(partial / "audit.jsonl");
  ri.audit = &audit;
  const ResearchOutcome research = run_research(ri);
  meta["research"] = {{"rounds", research.rounds}, {"usage", research.usage}, {"approved", research.approved},
                      {"issues", research.issues}, {"open_decisions", research.open_decisions}};
  if (research.approved) {
    freeze_plan(partial, task, research.plan, meta, research.approved_by);  // writes run.json
    fs::rename(partial, final_dir);
    return resume_run(final_dir, {}, opt.status);
  }
  write_file_atomic(partial / "plan.json", to_json(research.plan).dump(1) + "\n");
  write_file_atomic(partial / "plan.md", to_markdown(research.plan, task.definition.name));
  meta["plan_state"] = "awaiting_approval";
  write_file_atomic(partial / "run.json", meta.dump(1) + "\n");
  write_file_atomic(partial / "PLAN_REVIEW.md", plan_review_md(final_dir, research));
  audit.append("plan_awaits_approval", {{"open_decisions", research.open_decisions}, {"issues", research.issues}});
  fs::rename(partial, final_dir);
  if (opt.status) opt.status("the plan waits for approval: " + (final_dir / "PLAN_REVIEW.md").string());
  return {final_dir, "paused", Json::array()};
}

RunOutcome resume_run(const fs::path& run_dir, const fs::path& note, std::function<void(const std::string&)> status,
                      bool accept_plan) {
  std::unique_ptr<RunLock> lock;
  if (fs::exists(run_dir / "run.json")) {
    // Under the run's lock from here on: a second resume cannot freeze the plan twice.
    lock = std::make_unique<RunLock>(run_dir);
    const Json meta = read_json_file(run_dir / "run.json");
    if (!meta.contains("frozen")) {
      if (const std::optional<Json> record = plan_frozen_record(run_dir / "audit.jsonl")) {
        complete_freeze(run_dir, meta, *record);  // approved before a kill: finish what was begun
      } else {
        if (!accept_plan)
          fail(ErrorKind::kUsage, "the plan of " + run_dir.string() + " waits for your approval: read " +
                                      (run_dir / "PLAN_REVIEW.md").string() + ", edit plan.json if you wish, then run `kda resume " +
                                      run_dir.string() + " --accept-plan`");
        const TaskDir task = load_task_dir(meta["task_dir"].get<std::string>());
        freeze_plan(run_dir, task, load_plan(run_dir / "plan.json"), meta, "the person running kda (kda resume --accept-plan)");
      }
    }
  }
  Run r = open_run(run_dir, std::move(status), true, std::move(lock));
  std::string note_text;
  if (!note.empty()) {
    if (!fs::exists(note)) fail(ErrorKind::kNotFound, "note " + note.string() + " does not exist");
    note_text = read_file(note);
  }
  return r.run_tasks(note_text);
}

Json run_status(const fs::path& run_dir) {
  Run r = open_run(run_dir, {}, /*drive=*/false);
  Json steps = Json::array();
  for (const Step& s : r.journal->steps()) steps.push_back({{"seq", s.seq}, {"key", s.key}, {"kind", s.kind}});
  // A plan that waits for the person's approval pauses the run before its first round.
  bool paused = !r.meta.contains("frozen");
  for (const Step& s : r.journal->steps())
    if (s.kind == "escalate" && !r.journal->get(s.key.substr(0, s.key.rfind('/')) + "/answered")) paused = true;
  return {{"run_dir", r.dir.string()}, {"task_dir", r.meta["task_dir"]}, {"backend", r.meta["backend"]},
          {"paused", paused}, {"plan_approved", r.meta.contains("frozen")}, {"tasks", r.summary()}, {"steps", steps.size()}};
}

}  // namespace kda::loop
