#include "audit/task_store.h"

#include "audit/audit_log.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "store/store.h"

namespace kda {
namespace fs = std::filesystem;
namespace {

fs::path canonical_root(const fs::path& task_root) { return fs::weakly_canonical(fs::absolute(task_root)); }

fs::path marker_path(const fs::path& root) {
  return cache_dir() / "stores" / (sha256_hex(root.string()) + ".json");
}

void write_marker(const fs::path& root, Store& st) {
  Json m = {{"task", root.string()}, {"store_id", st.meta("store_id").value_or("")},
            {"created_at", st.meta("created_at").value_or("")}};
  write_file_atomic(marker_path(root), m.dump(1) + "\n");
}

std::string remembered(const Json& m) {
  return "this machine created a store there on " + m.value("created_at", std::string("an unknown date")) +
         " (store id " + m.value("store_id", std::string()) + ")";
}

}  // namespace

static void prepare_store_dir(const fs::path& root, const fs::path& dir, const TaskStoreOptions& opt);

std::optional<Json> store_marker(const fs::path& task_root) {
  fs::path p = marker_path(canonical_root(task_root));
  if (!fs::exists(p)) return std::nullopt;
  try {
    return read_json_file(p);
  } catch (const Error&) {
    return std::nullopt;  // a damaged marker says nothing; the store itself is the record
  }
}

void prepare_task_store(const fs::path& task_root, const TaskStoreOptions& opt) {
  const fs::path root = canonical_root(task_root);
  if (!fs::exists(root / "definition.json"))
    fail(ErrorKind::kNotFound, "no task at " + root.string() + " (no definition.json), so no store is made there");
  prepare_store_dir(root, root / ".kda", opt);
}

void prepare_task_store_at(const fs::path& store_dir, const TaskStoreOptions& opt) {
  const fs::path dir = canonical_root(store_dir);
  prepare_store_dir(dir, dir, opt);
}

static void prepare_store_dir(const fs::path& root, const fs::path& dir, const TaskStoreOptions& opt) {
  std::optional<Json> marker = store_marker(root);
  const std::string again = "rerun with --new-store to start a new store (its first audit record says so)";
  if (store_exists(dir)) {
    Store st(dir);
    std::string id = st.meta("store_id").value_or("");
    if (marker && marker->value("store_id", std::string()) != id && !opt.allow_new)
      fail(ErrorKind::kIntegrity, dir.string() + " is not the store " + remembered(*marker) + ": it was replaced by store " +
                                      id + ". Put the original back, or " + again + " to accept this one");
    if (!marker || marker->value("store_id", std::string()) != id) write_marker(root, st);
    return;
  }
  // kda.db gone but its log still here: the pins and the anchor are lost, the history is not.
  const fs::path log = dir / "audit.jsonl";
  const bool old_log = fs::exists(log) && fs::file_size(log) > 0;
  if (old_log && !opt.allow_new)
    fail(ErrorKind::kIntegrity, (dir / "kda.db").string() + " is gone but its audit log " + log.string() +
                                    " remains; the pins went with the store. Restore kda.db from a backup, or " + again +
                                    " (the old log is kept beside it)");
  if (marker && !opt.allow_new)
    fail(ErrorKind::kIntegrity, dir.string() + " is gone, but " + remembered(*marker) +
                                    "; its pins (baseline, reference, definition, workloads) and its audit history went "
                                    "with it. Restore " + dir.string() + " from a backup, or " + again);
  if (opt.warn)
    opt.warn("creating a new store in " + dir.string() + " (" + opt.command + "): the baseline, reference, definition "
             "and workloads are pinned as they are now and the audit history starts here." +
             (marker ? " The previous store (" + marker->value("store_id", std::string()) +
                           ") is gone, with its pins and history."
                     : " If this task was evaluated before, its earlier pins and audit history are not here."));
  std::string previous_log;
  if (old_log) {
    fs::path aside = log;
    aside += ".before-store-" + utc_now();
    fs::rename(log, aside);
    previous_log = aside.filename().string();
  }
  Store st(dir);
  st.set_meta("created_by", opt.command);
  if (marker) st.set_meta("previous_store", marker->value("store_id", std::string()));
  AuditLog(dir / "audit.jsonl", &st)
      .append("store_created", {{"store_id", st.meta("store_id").value_or("")},
                                {"created_at", st.meta("created_at").value_or("")},
                                {"created_by", opt.command},
                                {"previous_store", st.meta("previous_store").value_or("")},
                                {"previous_log", previous_log}});
  write_marker(root, st);
}

}  // namespace kda
