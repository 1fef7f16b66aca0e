// Where the CLI finds things: the bundled examples relative to the executable, and the tasks a
// command names (a task directory, or definitions of a flashinfer-trace dataset chosen with
// --definition / --op-type), with their store location and hidden split (docs/formats.md).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "task/task_dir.h"

namespace kda::cli {

/// $KDA_EXAMPLES_DIR, else <exe>/../share/kda/examples, else the source tree's examples/.
std::filesystem::path examples_dir();

/// The options kda eval, tune and run share to name their tasks.
struct TaskSelection {
  std::string path;                      ///< TASK_DIR: a task directory or a dataset root
  std::vector<std::string> definitions;  ///< --definition NAME (repeatable)
  std::string op_type;                   ///< --op-type TYPE
  std::string store;                     ///< --store DIR
  std::string hidden;                    ///< --hidden FILE
  double max_workload_mb = 0;            ///< --max-workload-mb: leave larger workloads out (0: none)
};

/// Adds TASK_DIR (required) and --definition, --op-type, --store, --hidden to `cmd`.
void add_task_selection(CLI::App* cmd, TaskSelection& sel, const std::string& verb);

/// The selected tasks, each loaded where it lies, store and hidden split applied. A dataset root
/// needs --definition or --op-type (kUsage); a task directory refuses them (kUsage). --store DIR
/// is the store of a task directory, or holds DIR/<definition>/ for each dataset definition.
std::vector<TaskDir> load_selected_tasks(const TaskSelection& sel);

/// prepare_task_store for the task's store wherever it is (TASK/.kda, DATASET/.kda/<name>, --store).
void prepare_store(const TaskDir& task, const std::string& command, bool allow_new);

}  // namespace kda::cli
