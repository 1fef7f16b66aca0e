#include "eval/pins.h"

#include <set>

#include "audit/audit_log.h"
#include "core/error.h"
#include "core/hash.h"
#include "store/store.h"

namespace kda {
namespace fs = std::filesystem;

std::vector<std::pair<std::string, std::string>> task_input_pins(const TaskDir& task) {
  std::string workloads;
  fs::path wl = task.workloads_file();  // TASK/workloads.jsonl, or the dataset's workloads/<op_type>/<name>.jsonl
  if (fs::exists(wl)) workloads = "workloads.jsonl " + sha256_file(wl) + "\n";
  std::set<std::string> blobs;  // sorted, each once
  for (const Workload& w : task.workloads)
    for (const auto& [name, r] : w.inputs)
      if (r.kind == InputRecipe::Kind::kSafetensors) blobs.insert(r.path);
  for (const std::string& b : blobs) {
    fs::path p = task.root / b;
    workloads += b + " " + (fs::exists(p) ? sha256_file(p) : std::string("missing")) + "\n";
  }
  return {{"definition", sha256_file(task.definition_file())}, {"workloads", sha256_hex(workloads)}};
}

void check_task_input_pins(const TaskDir& task, Store& store, AuditLog& audit,
                           const std::function<void(const std::string&)>& say) {
  for (const auto& [name, hash] : task_input_pins(task)) {
    auto p = store.pin(name);
    if (!p) {
      store.set_pin(name, hash);
      audit.append("pin", {{"name", name}, {"hash", hash}, {"reason", "first use"}});
      if (say) say("pinned " + name + " = " + hash.substr(0, 12));
      continue;
    }
    if (p->hash == hash) continue;
    const std::string file = name == "definition" ? task.definition_file().string()
                                                  : task.workloads_file().string() + " (or a safetensors file it names)";
    fail(ErrorKind::kIntegrity, file + " changed since it was pinned on " + p->pinned_at + " (" +
                                    p->hash.substr(0, 12) + " -> " + hash.substr(0, 12) +
                                    "): tolerances, formulas and workloads decide verdicts. Restore it, or run 'kda store pin " +
                                    task.root.string() + " " + name + "' if the change is intended (recorded in the audit log)");
  }
}

}  // namespace kda
