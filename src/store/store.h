// The task store (.kda/ in a task directory, DESIGN §8): a content-addressed object directory
// (objects/<sha256>) and an SQLite index (kda.db, WAL) of pins, traces and the tuning database
// (kda tune's measurements). Schema version is kept in PRAGMA user_version; an older database
// is migrated in place (v1 -> v2 adds the tuning table; v2 -> v3 adds the audit anchor and the
// store's own metadata), a newer one is refused, not guessed at.
//
// The audit anchor (issue 14 §5) is the store's copy of the audit chain: one (seq, hash, event,
// time) row per record of TASK/.kda/audit.jsonl, written after the record is in the log and
// fsynced. A log shorter than its anchor was trimmed; see src/audit/audit_log.h.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/json_io.h"

struct sqlite3;

namespace kda {

inline constexpr int kStoreSchemaVersion = 3;

struct Pin {
  std::string name;  ///< "baseline:cpp", "definition", "reference:cpp", "workloads"
  std::string hash;
  std::string pinned_at;
};

struct StoredTrace {
  int64_t id = 0;
  std::string solution;
  std::string solution_hash;
  std::string workload;
  std::string status;
  std::string created_at;
  Json trace;
};

/// A tuning measurement applies only where all five match: the same variant source (content hash,
/// parameters included), workload, device, toolchain and definition. Never across any of them.
struct TuningKey {
  std::string variant_hash;
  std::string workload_hash;
  std::string device_key;
  std::string toolchain_key;
  std::string definition_hash;
};

struct TuningRecord {
  std::string variant;    ///< readable: "topk_cpp_select[ALGO=1]"
  std::string workload;   ///< uuid
  std::string device;     ///< readable device name
  std::string toolchain;  ///< readable compiler line
  std::string status;     ///< PASSED, INCORRECT_NUMERICAL, ...
  double latency_ms = 0;  ///< PASSED only
  Json trace;             ///< the full trace
  std::string created_at;
};

/// One audit record as the store remembers it.
struct ChainLink {
  int64_t seq = 0;
  std::string hash;
  std::string event;
  std::string time;
};

class Store {
 public:
  /// Opens (creating if needed) the store at `dir`; kIntegrity for an unreadable or newer db.
  explicit Store(const std::filesystem::path& dir);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// Writes bytes under objects/<sha256> (idempotent) and returns the hash.
  std::string put_object(std::string_view bytes);
  std::optional<std::string> get_object(const std::string& hash) const;

  void set_pin(const std::string& name, const std::string& hash);
  std::optional<Pin> pin(const std::string& name) const;
  std::vector<Pin> pins() const;

  int64_t add_trace(const std::string& solution_hash, const Json& trace);
  std::vector<StoredTrace> traces(const std::string& solution_filter = "") const;

  void put_tuning(const TuningKey& key, const TuningRecord& record);  ///< replaces an older one
  std::optional<TuningRecord> tuning(const TuningKey& key) const;
  int64_t tuning_count() const;

  /// The audit anchor, in seq order. anchor_link requires seq == the anchor's length + 1.
  std::vector<ChainLink> anchored_chain() const;
  void anchor_link(const ChainLink& link);
  void truncate_anchor(int64_t keep);  ///< drops links with seq > keep (kda audit repair)

  /// The store's metadata: store_id, created_at, created_by, schema_upgraded_from, ...
  std::optional<std::string> meta(const std::string& key) const;
  void set_meta(const std::string& key, const std::string& value);

  /// True when this open created kda.db (a new store: no pins, no anchor).
  bool created() const { return created_; }

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  sqlite3* db_ = nullptr;
  bool created_ = false;
};

/// Whether `dir` holds a store (kda.db), without creating one.
bool store_exists(const std::filesystem::path& dir);

/// UTC now as "2026-11-24T23:59:59Z".
std::string utc_now();

}  // namespace kda
