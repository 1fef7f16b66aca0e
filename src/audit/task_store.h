// Who may create a task's store (issue 14 §5). Deleting TASK/.kda deletes the pins that keep a
// baseline honest and the audit history; if the next `kda eval` quietly made a new store, it
// would re-pin whatever baseline lies in the task now (a 200x slower one included). So:
//   - a new store is made only by `kda init` (with the task, or `--store-only`), or by an
//     evaluating command that says so loudly on stderr and as the log's first record
//     (`store_created`, with who created it and which store it replaced);
//   - this machine remembers, outside the task, which store it created for each task directory
//     (a marker in the kda cache: stores/<sha256 of the task path>.json). When that store is
//     gone or another one is in its place, evaluating commands refuse (exit 5) until the store is
//     restored or `--new-store` asks for a new one.
// The marker is per user and per machine: a task directory copied elsewhere without its .kda
// gets a new store with the loud message, since nothing on this machine says it had one.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "core/json_io.h"

namespace kda {

struct TaskStoreOptions {
  std::string command;    ///< who needs the store, for the message and the record ("kda eval")
  bool allow_new = false; ///< a new store was asked for (kda init, --new-store)
  std::function<void(const std::string&)> warn;  ///< where the loud message goes (stderr)
};

/// Makes sure `task_root`/.kda holds this task's store before a command opens it: opens an
/// existing one (migrating it), or creates one as described above. kIntegrity when the store
/// this machine made for the task is gone or replaced and `allow_new` is false.
void prepare_task_store(const std::filesystem::path& task_root, const TaskStoreOptions& opt);

/// The same for a store that is not TASK/.kda: one definition of a flashinfer-trace dataset
/// (DATASET/.kda/<definition>) or a `--store DIR`. The marker is keyed by the store's own path.
void prepare_task_store_at(const std::filesystem::path& store_dir, const TaskStoreOptions& opt);

/// This machine's memory of the store it created for `task_root`: {"task", "store_id",
/// "created_at"}; nullopt when there is none.
std::optional<Json> store_marker(const std::filesystem::path& task_root);

}  // namespace kda
