// A task directory (docs/formats.md):
//   definition.json   workloads.jsonl
//   reference/<lang>/solution.json + sources   native references (cpp, cuda, hip), merged into
//                                              Definition::native_references unless it embeds them
//   baseline/<lang>/solution.json + sources    the simple baseline per language (pinned by hash)
//   solutions/<name>/solution.json + sources   candidates
//   .kda/                                      the store (src/store)
// Loading validates that workloads and solutions name this definition and that every workload
// resolves all var axes.
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
  std::filesystem::path root;
  Definition definition;
  std::vector<Workload> workloads;
  std::map<std::string, Solution> baselines;  ///< language -> baseline/<lang>/

  std::filesystem::path store_dir() const { return root / ".kda"; }
  /// Workloads of a split selection: "public", "hidden" or "all" (kUsage error otherwise).
  std::vector<const Workload*> select(const std::string& which) const;
};

/// kNotFound if root or definition.json is missing; kInput for invalid content.
TaskDir load_task_dir(const std::filesystem::path& root);

}  // namespace kda
