// kda store pin TASK_DIR baseline|reference, kda store show TASK_DIR [--json].
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/hash.h"
#include "store/store.h"
#include "task/task_dir.h"
#include "audit/audit_log.h"

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
  Store store(task.store_dir());
  AuditLog audit(task.store_dir() / "audit.jsonl");
  std::vector<std::pair<std::string, std::string>> pins;
  if (what == "baseline") {
    for (auto& [lang, s] : task.baselines) pins.push_back({"baseline:" + lang, s.content_hash()});
  } else if (what == "reference") {
    for (auto& r : task.definition.native_references)
      pins.push_back({"reference:" + r.language, reference_solution(task, r).content_hash()});
  } else {
    fail(ErrorKind::kUsage, "kda store pin: expected 'baseline' or 'reference', got '" + what + "'");
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
  Store store(task.store_dir());
  auto traces = store.traces();
  if (json) {
    Json j = {{"schema_version", kStoreSchemaVersion}, {"task", task.definition.name}, {"pins", Json::array()},
              {"traces", Json::array()}};
    for (auto& p : store.pins()) j["pins"].push_back({{"name", p.name}, {"hash", p.hash}, {"pinned_at", p.pinned_at}});
    for (auto& t : traces)
      j["traces"].push_back({{"id", t.id}, {"solution", t.solution}, {"solution_hash", t.solution_hash},
                             {"workload", t.workload}, {"status", t.status}, {"created_at", t.created_at}});
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << "task " << task.definition.name << " (" << task.store_dir().string() << ")\npins:\n";
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
  pin->add_option("WHAT", *what, "baseline or reference")->required();
  pin->callback([dir, what] { run_pin(*dir, *what); });
  auto* show = cmd->add_subcommand("show", "Show pins and stored traces");
  auto sdir = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  show->add_option("TASK_DIR", *sdir, "Task directory")->required();
  show->add_flag("--json", *json, "Machine-readable output");
  show->callback([sdir, json] { run_show(*sdir, *json); });
}

}  // namespace kda::cli
