// --hidden FILE: which workloads are hidden, chosen without editing a task's or a dataset's
// files (docs/formats.md "Hidden workloads"). FILE holds one entry a line:
//   a workload uuid                                that workload is hidden
//   a workload JSON line (trace-shaped or plain)   hidden; added to its definition's workloads
//                                                  when its uuid is new there
//   blank lines and lines starting with '#'        ignored
// The file is the split of record: every workload it does not name is public, whatever a
// "kda": {"split"} in the workloads file says.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "task/task_dir.h"

namespace kda {

struct HiddenEntry {
  std::string uuid;
  std::optional<Workload> workload;  ///< the line was a workload
  std::string origin;                ///< "FILE:LINE"
};

/// kNotFound if FILE is missing; kInput for bad JSON, a uuid named twice, or no entry at all.
std::vector<HiddenEntry> read_hidden_file(const std::filesystem::path& file);

/// Applies the entries that belong to `task` (a uuid it has; a workload line naming it, or, when
/// `only_task`, naming no definition) and records `file` in task.hidden_path. Returns, per entry,
/// whether it belonged. With `only_task`, an entry that does not belong is kInput (near matches
/// named). New workloads are validated like the task's own (kInput).
std::vector<bool> apply_hidden(TaskDir& task, const std::vector<HiddenEntry>& entries, const std::filesystem::path& file,
                               bool only_task);

/// read_hidden_file + apply_hidden(..., only_task = true).
void apply_hidden_file(TaskDir& task, const std::filesystem::path& file);

}  // namespace kda
