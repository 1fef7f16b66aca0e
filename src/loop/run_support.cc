// The run's bookkeeping (run.h): helpers of every step, the integrity check before each CHECK,
// the budgets spent, lessons and the goal tracker.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>

#include "agents/config.h"
#include "agents/factory.h"
#include "agents/scripted_agent.h"
#include "agents/workspace_tools.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "loop/builtin_agents.h"
#include "loop/run.h"

namespace kda::loop {
namespace fs = std::filesystem;

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string hash_tree(const fs::path& p) {
  if (!fs::exists(p)) return "absent";
  if (fs::is_regular_file(p)) return sha256_file(p);
  std::vector<std::string> lines;
  for (auto& e : fs::recursive_directory_iterator(p))
    if (e.is_regular_file()) lines.push_back(fs::relative(e.path(), p).string() + " " + sha256_file(e.path()));
  std::sort(lines.begin(), lines.end());
  std::string all;
  for (auto& l : lines) all += l + "\n";
  return sha256_hex(all);
}

namespace {
// What decides how candidates are judged; a change after the start would move the goalposts.
std::string evaluator_config_hash(const Json& meta) {
  Json c = Json::object();
  for (const char* k : {"backend", "arch", "eval_budget_seconds", "sandbox", "verifier", "task_dir"}) c[k] = meta.value(k, Json());
  return sha256_hex(c.dump());
}
}  // namespace

Json frozen_hashes(const TaskDir& task, const fs::path& run_dir, const Json& meta) {
  // A dataset definition's files lie where the dataset keeps them (TaskDir says where); it has
  // no reference/ or baseline/ folders, whose hashes are then those of nothing.
  return {{"definition.json", hash_tree(task.definition_file())},
          {"workloads.jsonl", hash_tree(task.workloads_file())},
          {"reference", task.dataset ? "absent" : hash_tree(task.root / "reference")},
          {"baseline", task.dataset ? "absent" : hash_tree(task.root / "baseline")},
          {"plan.json", hash_tree(run_dir / "plan.json")},
          {"evaluator", evaluator_config_hash(meta)}};
}

ProcessResult git(const fs::path& repo, std::vector<std::string> args) {
  std::vector<std::string> argv = {"git", "-C", repo.string(), "-c", "user.name=kda", "-c", "user.email=kda@localhost",
                                   "-c", "commit.gpgsign=false"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult r = run_process({.argv = argv, .timeout = std::chrono::seconds(60)});
  if (!r.ok()) fail(ErrorKind::kEnvironment, "git " + args.front() + " in " + repo.string() + " failed: " + r.describe() + "\n" + r.err);
  return r;
}

bool ledger_has(const fs::path& file, const std::string& tag) {
  if (!fs::exists(file)) return false;
  return read_file(file).find(tag) != std::string::npos;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::unique_ptr<agents::Agent> make_named_agent(const Json& meta, const fs::path& dir, const std::string& name,
                                                agents::Role role) {
  if (name == "builtin") return role == agents::Role::kWriter ? make_builtin_writer() : make_rule_verifier();
  if (name.rfind("script:", 0) == 0) return agents::make_scripted_agent(name.substr(7));
  const Json specs = meta.value("agent_specs", Json::object());
  if (specs.contains(name)) return agents::make_agent(agents::parse_agent_spec(name, specs[name], (dir / "run.json").string()));
  fail(ErrorKind::kInput, (dir / "run.json").string() + ": agent '" + name + "' has no frozen spec under agent_specs");
}

// A model writer may build and time a candidate (`solution`, relative to its workspace or
// absolute) on the public workloads, profile it on a GPU backend, compare two profiles and
// search the wiki; the hidden workloads stay out of its reach (the evaluator reads them, not the
// agent, and `kda profile run --task` refuses a hidden workload).
agents::Permissions model_writer_permissions(const Json& meta, const std::string& solution) {
  agents::Permissions p;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return p;
  // Paths are quoted: a task directory with a space in its name must stay one word.
  const auto q = agents::quote_command_word;
  const std::string backend = meta.value("backend", std::string("cpu"));
  const std::string arch = meta.value("arch", std::string());
  std::string eval = q(self.string()) + " eval " + q(meta["task_dir"].get<std::string>()) + " " + q(solution) +
                     " --workloads public --backend " + q(backend) + " --budget 0.1";
  if (!arch.empty()) eval += " --arch " + q(arch);
  p.allowed_commands = {eval};
  if (backend != "cpu") {
    std::string prof = q(self.string()) + " profile run --task " + q(meta["task_dir"].get<std::string>()) + " --solution " +
                       q(solution) + " --backend " + q(backend);
    if (!arch.empty()) prof += " --arch " + q(arch);
    p.allowed_commands.push_back(prof);
  }
  p.allowed_commands.push_back(q(self.string()) + " profile analyze");
  p.allowed_commands.push_back(q(self.string()) + " profile diff");
  p.allowed_commands.push_back(q(self.string()) + " wiki search");
  return p;
}

std::optional<Json> plan_frozen_record(const fs::path& audit_path) {
  std::ifstream in(audit_path);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    Json rec = parse_json(line, audit_path.string() + ":" + std::to_string(n));
    if (rec.value("event", "") == "plan_frozen") return rec;
  }
  return std::nullopt;
}

RunLock::RunLock(const fs::path& dir) {
  fd = ::open((dir / "run.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0)
    fail(ErrorKind::kUsage, "another kda process is driving " + dir.string() + " right now; wait for it or stop it");
}

RunLock::~RunLock() {
  if (fd >= 0) ::close(fd);
}

// Before every CHECK: the frozen inputs and the audit chain must be untouched.
std::string Run::integrity_problem() {
  const Json now = frozen_hashes(task, dir, meta);
  for (auto& [name, h] : meta["frozen"].items())
    if (now.value(name, "") != h.get<std::string>()) return name + " changed since the run started";
  AuditCheck c = audit->verify();
  if (!c.ok) return "the run's audit log is broken at line " + std::to_string(c.bad_line) + ": " + c.problem;
  // run.json is a file too: its frozen hashes (and the evaluator settings they cover) must be
  // the ones the chain's plan_frozen record froze (the first such record: the research
  // stage's records come before it, nothing may freeze twice).
  const std::optional<Json> rec = plan_frozen_record(audit->path());
  if (!rec) return "the audit log has no plan_frozen record";
  if (!rec->contains("data") || (*rec)["data"].value("frozen", Json()) != meta["frozen"])
    return "run.json's frozen hashes differ from those in the audit log's plan_frozen record";
  return "";
}

std::unique_ptr<agents::Agent> Run::make_agent(const std::string& name, agents::Role role) {
  return make_named_agent(meta, dir, name, role);
}

agents::Permissions Run::writer_permissions() const { return model_writer_permissions(meta, "solution"); }

// Tokens and cost spent so far, from the journal (so a resumed run counts what came before).
agents::Usage Run::spent() const {
  agents::Usage total = agents::usage_from_json(meta.value("research", Json::object()).value("usage", Json::object()));
  for (const Step& st : journal->steps())
    if (st.data.is_object()) total += agents::usage_from_json(st.data.value("usage", Json::object()));
  return total;
}

Json Run::read_lessons() {
  Json out = Json::array();
  const fs::path p = dir / "lessons.md";
  if (!fs::exists(p)) return out;
  std::string text = read_file(p);
  for (size_t a = 0, b; a < text.size(); a = b + 1) {
    b = text.find('\n', a);
    if (b == std::string::npos) b = text.size();
    if (text.compare(a, 2, "- ") == 0) out.push_back(text.substr(a + 2, b - a - 2));
  }
  return out;
}

void Run::write_state() {
  std::string md = "# Run " + dir.filename().string() + "\n\nTask directory: " + task.root.string() + "\n\n";
  md += "| task | status | rounds | best geomean speedup (hidden) | best candidate |\n|---|---|---|---|---|\n";
  for (const Json& t : summary()) {
    char g[32];
    std::snprintf(g, sizeof g, "%.3f", t.value("best_geomean_speedup", 0.0));
    md += "| " + t["id"].get<std::string>() + " | " + t["status"].get<std::string>() + " | " +
          std::to_string(t["rounds"].get<int>()) + " | " + g + " | " + t.value("best_commit", std::string("-")) + " |\n";
  }
  write_file_atomic(dir / "state.md", md);
}

Json Run::summary() {
  Json tasks = Json::array();
  for (const PlanTask& t : plan.tasks) {
    Json s = {{"id", t.id}, {"goal", t.goal}, {"status", "pending"}, {"rounds", 0}, {"best_geomean_speedup", 0.0}};
    for (int n = 1;; ++n) {
      auto d = journal->get(t.id + "/" + std::to_string(n) + "/decide");
      if (!d) break;
      s["rounds"] = n;
      s["status"] = "in progress";
      if ((*d).value("geomean_speedup_hidden", 0.0) > s["best_geomean_speedup"].get<double>() && (*d).value("all_passed_hidden", false)) {
        s["best_geomean_speedup"] = (*d)["geomean_speedup_hidden"];
        s["best_commit"] = (*d)["commit"];
      }
    }
    if (auto done = journal->get(t.id + "/done")) s["status"] = (*done)["status"];
    tasks.push_back(s);
  }
  return tasks;
}

RunOutcome Run::outcome(const std::string& state) {
  write_state();
  return {dir, state, summary()};
}

}  // namespace kda::loop
