#include "task/task_dir.h"

#include <algorithm>

#include "core/error.h"
#include "task/workload_size.h"

namespace kda {
namespace fs = std::filesystem;

std::vector<const Workload*> TaskDir::select(const std::string& which) const {
  if (which != "public" && which != "hidden" && which != "all")
    fail(ErrorKind::kUsage, "workload selection must be public, hidden or all (got '" + which + "')");
  std::vector<const Workload*> out;
  for (const Workload& w : workloads)
    if (which == "all" || (which == "hidden") == (w.split == Split::kHidden)) out.push_back(&w);
  return out;
}

TaskDir load_task_dir(const fs::path& root) {
  if (!fs::is_directory(root)) fail(ErrorKind::kNotFound, "task directory " + root.string() + " does not exist");
  if (!fs::exists(root / "definition.json"))
    fail(ErrorKind::kNotFound, root.string() + " has no definition.json (create one with 'kda init DIR --example NAME')");
  TaskDir t;
  t.root = root;
  t.definition = load_definition(root / "definition.json");
  if (fs::exists(root / "workloads.jsonl")) t.workloads = load_workloads(root / "workloads.jsonl");
  for (const Workload& w : t.workloads) {
    std::string origin = w.origin + ": workload " + w.uuid;
    if (!w.definition.empty() && w.definition != t.definition.name)
      fail(ErrorKind::kInput, origin + " names definition '" + w.definition + "', not '" + t.definition.name + "'");
    const auto axes = resolve_axes(t.definition, w.axes, origin);
    // Formulas a var axis makes divide by zero or overflow, and tensors too large to count, are
    // refused here with the workload named (issue 14 §4); what fits in memory is the judge's check.
    if (!t.definition.flops_expr.empty()) eval_formula(t.definition.flops_expr, axes, origin + ": kda.flops");
    if (!t.definition.bytes_expr.empty()) eval_formula(t.definition.bytes_expr, axes, origin + ": kda.bytes");
    workload_bytes(t.definition, w);
    for (auto& [name, r] : w.inputs) {
      bool known = false;
      for (auto& in : t.definition.inputs) known |= in.name == name;
      if (!known) fail(ErrorKind::kInput, origin + ": input '" + name + "' is not an input of the definition");
    }
  }
  auto load_lang_dirs = [&](const fs::path& dir, auto&& each) {
    if (!fs::is_directory(dir)) return;
    std::vector<fs::path> subdirs;  // sorted: directory order is not deterministic
    for (auto& e : fs::directory_iterator(dir))
      if (fs::exists(e.path() / "solution.json")) subdirs.push_back(e.path());
    std::sort(subdirs.begin(), subdirs.end());
    for (const fs::path& p : subdirs) each(p, load_solution(p));
  };
  if (t.definition.native_references.empty())
    load_lang_dirs(root / "reference", [&](const fs::path& p, const Solution& s) {
      if (s.language != "cpp" && s.language != "cuda" && s.language != "hip")
        fail(ErrorKind::kInput, p.string() + ": a native reference must be cpp, cuda or hip, not " + s.language);
      if (!s.definition.empty() && s.definition != t.definition.name)
        fail(ErrorKind::kInput, p.string() + ": reference '" + s.name + "' is for definition '" + s.definition + "', not '" +
                                    t.definition.name + "'");
      if (t.definition.reference_for(s.language))
        fail(ErrorKind::kInput, p.string() + ": a second " + s.language + " reference (one per language)");
      t.definition.native_references.push_back({s.language, s.entry_point, s.sources});
    });
  load_lang_dirs(root / "baseline", [&](const fs::path& p, const Solution& s) {
    if (!s.definition.empty() && s.definition != t.definition.name)
      fail(ErrorKind::kInput, p.string() + ": baseline '" + s.name + "' is for definition '" + s.definition + "', not '" +
                                  t.definition.name + "'");
    if (t.baselines.count(s.language))
      fail(ErrorKind::kInput, p.string() + ": a second " + s.language + " baseline (one per language)");
    t.baselines[s.language] = s;
  });
  return t;
}

}  // namespace kda
