// The task store (.kda/ in a task directory, DESIGN §8): a content-addressed object directory
// (objects/<sha256>) and an SQLite index (kda.db, WAL) of pins, traces and the tuning database
// (kda tune's measurements). Schema version is kept in PRAGMA user_version; an older database
// is migrated in place (v1 -> v2 adds the tuning table), a newer one is refused, not guessed at.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/json_io.h"

struct sqlite3;

namespace kda {

inline constexpr int kStoreSchemaVersion = 2;

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

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  sqlite3* db_ = nullptr;
};

/// UTC now as "2026-11-24T23:59:59Z".
std::string utc_now();

}  // namespace kda
