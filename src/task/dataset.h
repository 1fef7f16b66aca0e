// A flashinfer-trace dataset (the layout of flashinfer-bench's TraceSet), read where it lies:
//   DATASET/definitions/<op_type>/<name>.json          one Definition per file (any depth)
//   DATASET/workloads/<op_type>/<name>.jsonl           workload lines (trace-shaped or plain)
//   DATASET/solutions/**/<solution>.json               candidates, matched by their "definition"
//   DATASET/blob/workloads/<op_type>/<name>/*.safetensors   inputs named by "./blob/..." paths
//   DATASET/traces/<author>/<op_type>/<name>.jsonl     traces (flashinfer-bench's add_traces)
// A selected definition becomes a TaskDir whose store is DATASET/.kda/<name>/ (docs/formats.md).
// Names are those inside the files ("name"), as flashinfer-bench keys them, not file names.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "task/task_dir.h"
#include "task/trace.h"

namespace kda {

struct DatasetDefinition {
  std::string name;
  std::string op_type;
  std::filesystem::path path;  ///< the definition's JSON file
};

/// A directory with definitions/ and without definition.json (a task directory wins).
bool is_dataset_root(const std::filesystem::path& dir);
/// The dataset a definition file lies in: the parent of its nearest "definitions" ancestor,
/// when that is a dataset root; nullopt otherwise.
std::optional<std::filesystem::path> dataset_root_of(const std::filesystem::path& definition_file);

/// Every definition of the dataset, sorted by name. kInput for a file that is not JSON or has
/// no name, or two files with one name.
std::vector<DatasetDefinition> list_definitions(const std::filesystem::path& root);

/// The definitions named (each must exist: kNotFound naming the near matches) plus those of
/// `op_type` (kNotFound listing the op types there are, when it has none), each once, sorted.
/// kUsage when both are empty.
std::vector<DatasetDefinition> select_definitions(const std::filesystem::path& root, const std::vector<std::string>& names,
                                                  const std::string& op_type);

/// Names among `known` that look like `wanted` (edit distance, shared prefix), best first.
std::vector<std::string> near_matches(const std::string& wanted, const std::vector<std::string>& known, size_t most = 5);

/// One definition as a TaskDir: its workloads file (workloads/<op_type>/<name>.jsonl, else the
/// definition's own relative folder under workloads/, else none), store DATASET/.kda/<name>,
/// baselines from the dataset's solutions by author "baseline" (flashinfer-bench's convention).
TaskDir load_dataset_task(const std::filesystem::path& root, const std::filesystem::path& definition_file);

/// Solutions under DATASET/solutions/ that name `definition` (JSON files; a directory holding
/// solution.json counts once, as the directory). Unsorted.
std::vector<std::filesystem::path> dataset_solutions(const std::filesystem::path& root, const std::string& definition);

/// DATASET/traces/<author>/<op_type>/<definition>.jsonl, the file flashinfer-bench's
/// TraceSet.add_traces appends to; `author` is made one safe path component ("kda" if empty).
std::filesystem::path dataset_trace_file(const TaskDir& task, const std::string& author);

/// Appends one trace as a JSONL line (creating folders; a file whose last line lacks its
/// newline gets one first, as flashinfer-bench does).
void append_trace_line(const std::filesystem::path& file, const Trace& t);

}  // namespace kda
