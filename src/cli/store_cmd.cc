// kda store pin TASK_DIR baseline|reference|definition|workloads, kda store show TASK_DIR [--json].
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/hash.h"
#include "store/store.h"
#include "task/task_dir.h"
#include "audit/audit_log.h"
#include "audit/task_store.h"
#include "eval/pins.h"

namespace kda::cli {
namespace {

Solution reference_solution(const TaskDir& task, const NativeReference& r) {
  Solution s;
  s.name = task.definition.name + "-reference";
  s.definition = task.definition.name;
  s.language = r.language;
  s.entry_point = r.entry_point;
  s.sources = r.sources;
  return s;
}

void run_pin(const std::string& dir, const std::string& what) {
  TaskDir task = load_task_dir(dir);
  prepare_task_store(task.root, {.command = "kda store pin", .allow_new = false,
                                 .warn = [](const std::string& m) { std::cerr << "kda: " << m << "\n"; }});
  Store store(task.store_dir());
  AuditLog audit(task.store_dir() / "audit.jsonl", &store);
  std::vector<std::pair<std::string, std::string>> pins;
  if (what == "baseline") {
    for (auto& [lang, s] : task.baselines) pins.push_back({"baseline:" + lang, s.content_hash()});
  } else if (what == "reference") {
    for (auto& r : task.definition.native_references)
      pins.push_back({"reference:" + r.language, reference_solution(task, r).content_hash()});
  } else if (what == "definition" || what == "workloads") {
    for (auto& p : task_input_pins(task))
      if (p.first == what) pins.push_back(p);
  } else {
    fail(ErrorKind::kUsage, "kda store pin: expected baseline, reference, definition or workloads, got '" + what + "'");
  }
  if (pins.empty()) fail(ErrorKind::kInput, task.root.string() + " has no " + what + " to pin");
  for (auto& [name, hash] : pins) {
    auto old = store.pin(name);
    store.set_pin(name, hash);
    audit.append("pin", {{"name", name}, {"hash", hash}, {"previous", old ? old->hash : ""}, {"reason", "kda store pin"}});
    std::cout << "pinned " << name << " = " << hash << (old && old->hash != hash ? " (was " + old->hash + ")" : "") << "\n";
  }
}

void run_show(const std::string& dir, bool json) {
  TaskDir task = load_task_dir(dir);
  if (!store_exists(task.store_dir()))
    fail(ErrorKind::kNotFound, task.root.string() + " has no store yet (.kda/kda.db): 'kda init --store-only " +
                                   task.root.string() + "' or the first 'kda eval' creates it");
  Store store(task.store_dir());
  auto traces = store.traces();
  if (json) {
    Json j = {{"schema_version", kStoreSchemaVersion}, {"task", task.definition.name},
              {"store_id", store.meta("store_id").value_or("")}, {"created_at", store.meta("created_at").value_or("")},
              {"created_by", store.meta("created_by").value_or("")}, {"pins", Json::array()}, {"traces", Json::array()}};
    for (auto& p : store.pins()) j["pins"].push_back({{"name", p.name}, {"hash", p.hash}, {"pinned_at", p.pinned_at}});
    for (auto& t : traces)
      j["traces"].push_back({{"id", t.id}, {"solution", t.solution}, {"solution_hash", t.solution_hash},
                             {"workload", t.workload}, {"status", t.status}, {"created_at", t.created_at}});
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << "task " << task.definition.name << " (" << task.store_dir().string() << ", store "
            << store.meta("store_id").value_or("?") << " created " << store.meta("created_at").value_or("before store schema 3")
            << (store.meta("created_by") ? " by " + *store.meta("created_by") : std::string()) << ")\npins:\n";
  for (auto& p : store.pins()) std::cout << "  " << p.name << "  " << p.hash << "  " << p.pinned_at << "\n";
  std::cout << "traces: " << traces.size() << "\n";
  for (auto& t : traces)
    std::cout << "  #" << t.id << "  " << t.created_at << "  " << t.solution << "  " << t.workload << "  " << t.status << "\n";
}

}  // namespace

void add_store_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("store", "Pin baselines and inspect a task's store");
  cmd->require_subcommand(1);
  auto* pin = cmd->add_subcommand("pin", "Pin the current baseline or reference by content hash");
  auto dir = std::make_shared<std::string>();
  auto what = std::make_shared<std::string>();
  pin->add_option("TASK_DIR", *dir, "Task directory")->required();
  pin->add_option("WHAT", *what, "baseline, reference, definition or workloads")->required();
  pin->callback([dir, what] { run_pin(*dir, *what); });
  auto* show = cmd->add_subcommand("show", "Show pins and stored traces");
  auto sdir = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  show->add_option("TASK_DIR", *sdir, "Task directory")->required();
  show->add_flag("--json", *json, "Machine-readable output");
  show->callback([sdir, json] { run_show(*sdir, *json); });
}

}  // namespace kda::cli
