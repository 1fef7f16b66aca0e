// A task: one definition, its workloads, references, baselines and candidates, and where its
// store lives. Two layouts load into the same struct (docs/formats.md):
//
// A task directory:
//   definition.json   workloads.jsonl
//   reference/<lang>/solution.json + sources   native references (cpp, cuda, hip), merged into
//                                              Definition::native_references unless it embeds them
//   baseline/<lang>/solution.json + sources    the simple baseline per language (pinned by hash)
//   solutions/<name>/solution.json + sources   candidates
//   .kda/                                      the store (src/store)
//
// One definition of a flashinfer-trace dataset (src/task/dataset.h), read where it lies, nothing
// copied: DATASET/definitions/<op_type>/<name>.json, DATASET/workloads/<op_type>/<name>.jsonl,
// candidates anywhere under DATASET/solutions/ that name the definition, blobs resolved against
// DATASET, the store in DATASET/.kda/<name>/.
//
// Loading validates that workloads and solutions name this definition, that every workload
// resolves all var axes, and that no safetensors input is a Git LFS pointer.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "task/definition.h"
#include "task/solution.h"
#include "task/workload.h"

namespace kda {

struct TaskDir {
  /// The task directory, or the dataset root: relative safetensors paths resolve against it.
  std::filesystem::path root;
  /// Empty means the task-directory defaults (root/definition.json, root/workloads.jsonl,
  /// root/.kda); set by the dataset loader and by --store.
  std::filesystem::path definition_path, workloads_path, store;
  /// The --hidden file that chose the hidden split (src/task/hidden_split.h); empty if none.
  std::filesystem::path hidden_path;
  bool dataset = false;  ///< a definition of a flashinfer-trace dataset
  Definition definition;
  std::vector<Workload> workloads;
  std::map<std::string, Solution> baselines;  ///< language -> baseline/<lang>/ (dataset: author "baseline")

  std::filesystem::path definition_file() const { return definition_path.empty() ? root / "definition.json" : definition_path; }
  /// May not exist (a task without workloads).
  std::filesystem::path workloads_file() const { return workloads_path.empty() ? root / "workloads.jsonl" : workloads_path; }
  std::filesystem::path store_dir() const { return store.empty() ? root / ".kda" : store; }
  /// Workloads of a split selection: "public", "hidden" or "all" (kUsage error otherwise).
  std::vector<const Workload*> select(const std::string& which) const;
  /// sha256 over what chose the workloads: the workloads file and the --hidden file ("" when
  /// neither exists). Recorded at each session's start.
  std::string workloads_hash() const;
  /// Candidates found with the task, sorted: solutions/<name>/ holding solution.json (a task
  /// directory), or every solution under DATASET/solutions/ whose "definition" is this one (a
  /// .json file, or a directory holding solution.json). kInput for a solution file that is not JSON.
  std::vector<std::filesystem::path> solution_paths() const;
};

/// Loads a task directory, or one definition of a dataset when `path` is its JSON file
/// (DATASET/definitions/.../<name>.json). kNotFound if nothing is there; kUsage for a dataset
/// root (it needs --definition or --op-type: src/task/dataset.h); kInput for invalid content.
TaskDir load_task_dir(const std::filesystem::path& path);

/// The checks every workload of `task` passes at load time, `w` included (var axes resolve,
/// formulas evaluate, inputs exist in the definition, safetensors blobs are not LFS pointers
/// and, in a dataset, exist). Throws kInput naming w.origin.
void validate_workload(const TaskDir& task, const Workload& w);

}  // namespace kda
