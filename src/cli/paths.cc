#include "cli/paths.h"

#include <cstdio>
#include <cstdlib>

#include "audit/task_store.h"
#include "core/error.h"
#include "task/dataset.h"
#include "task/hidden_split.h"
#include "task/workload_size.h"

namespace kda::cli {
namespace fs = std::filesystem;

fs::path examples_dir() {
  if (const char* e = std::getenv("KDA_EXAMPLES_DIR"); e && *e) return e;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec).parent_path();
  for (fs::path cand : {exe / ".." / "share" / "kda" / "examples", exe / ".." / ".." / "examples",
                        fs::path(KDA_SOURCE_DIR) / "examples"})
    if (fs::is_directory(cand, ec)) return fs::weakly_canonical(cand, ec);
  fail(ErrorKind::kEnvironment, "the bundled examples were not found; set KDA_EXAMPLES_DIR to kda's examples/ folder");
}

void add_task_selection(CLI::App* cmd, TaskSelection& sel, const std::string& verb) {
  cmd->add_option("TASK_DIR", sel.path,
                  "Task directory, or a flashinfer-trace dataset root (definitions/, workloads/, solutions/, blob/) "
                  "with --definition or --op-type")
      ->required();
  cmd->add_option("--definition", sel.definitions, "Dataset definition to " + verb + ", by its name (repeatable)");
  cmd->add_option("--op-type", sel.op_type, "Every dataset definition of this op_type (e.g. rmsnorm, gemm)");
  cmd->add_option("--store", sel.store,
                  "Store and audit log directory (default: TASK_DIR/.kda; for a dataset DATASET/.kda/<definition>, "
                  "with --store DIR: DIR/<definition>)");
  cmd->add_option("--hidden", sel.hidden,
                  "File choosing the hidden workloads: one workload uuid, or one workload JSON line, per line "
                  "(docs/formats.md); every other workload is public");
  cmd->add_option("--max-workload-mb", sel.max_workload_mb,
                  "Leave out workloads whose inputs and outputs take more than this many MB (a dataset's largest "
                  "shapes on a small machine); the files are not changed and what is left out is said")
      ->check(CLI::Range(0.001, 1e9));
}

std::vector<TaskDir> load_selected_tasks(const TaskSelection& sel) {
  std::vector<TaskDir> tasks;
  const fs::path path = sel.path;
  if (is_dataset_root(path)) {
    for (const DatasetDefinition& d : select_definitions(path, sel.definitions, sel.op_type)) {
      tasks.push_back(load_dataset_task(path, d.path));
      if (!sel.store.empty()) tasks.back().store = fs::path(sel.store) / tasks.back().store.filename();
    }
  } else {
    if (!sel.definitions.empty() || !sel.op_type.empty())
      fail(ErrorKind::kUsage, "--definition and --op-type choose definitions of a flashinfer-trace dataset; " + path.string() +
                                  " is not one (a dataset root has a definitions/ folder)");
    tasks.push_back(load_task_dir(path));  // a task directory, or one dataset definition's file
    TaskDir& t = tasks.back();
    if (!sel.store.empty()) t.store = t.dataset ? fs::path(sel.store) / t.store.filename() : fs::path(sel.store);
  }
  if (!sel.hidden.empty()) {
    const auto entries = read_hidden_file(sel.hidden);
    if (tasks.size() == 1) {
      apply_hidden(tasks[0], entries, sel.hidden, true);
    } else {
      std::vector<bool> used(entries.size(), false);
      for (TaskDir& t : tasks) {
        const auto u = apply_hidden(t, entries, sel.hidden, false);
        for (size_t i = 0; i < u.size(); ++i) used[i] = used[i] || u[i];
      }
      for (size_t i = 0; i < entries.size(); ++i)
        if (!used[i])
          fail(ErrorKind::kInput, entries[i].origin + ": workload '" + entries[i].uuid +
                                      "' is not a workload of any selected definition (a new workload line must name its \"definition\")");
    }
  }
  if (sel.max_workload_mb > 0)
    for (TaskDir& t : tasks)
      if (std::string said = leave_out_workloads_above(t.definition, t.workloads, static_cast<uint64_t>(sel.max_workload_mb * 1e6));
          !said.empty())
        std::fprintf(stderr, "kda: %s\n", said.c_str());
  return tasks;
}

void prepare_store(const TaskDir& task, const std::string& command, bool allow_new) {
  TaskStoreOptions opt{.command = command, .allow_new = allow_new,
                       .warn = [](const std::string& m) { std::fprintf(stderr, "kda: WARNING: %s\n", m.c_str()); }};
  // A task directory's own .kda keeps its marker keyed by the task, as before datasets.
  if (!task.dataset && task.store.empty()) prepare_task_store(task.root, opt);
  else prepare_task_store_at(task.store_dir(), opt);
}

}  // namespace kda::cli
