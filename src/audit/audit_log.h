// The append-only, hash-chained audit log (DESIGN §8): one JSON object per line, each carrying
// "seq", "prev" (the previous record's hash), "time", "event", "data" and its own "hash" =
// sha256(prev + canonical JSON of the record without "hash"). verify() detects any edit,
// deletion, insertion or reordering, and names the first bad line.
//
// A chain alone cannot show that its tail was cut off: a prefix of a valid chain is valid. So a
// task's log is anchored in its store (issue 14 §5): after each record is written and fsynced to
// the log, the store records (seq, hash) in the same order. The order is chosen so that a crash
// can only leave the log one record *ahead* of the anchor (a state verify names and the next
// append completes), never behind it; a log behind its anchor was trimmed, and that is reported
// as an integrity error with the intact prefix and how to keep it (`kda audit repair`).
// Rewriting both the log and kda.db together is not detectable without a secret or an external
// copy of the head (docs/formats.md says so).
#pragma once

#include <filesystem>
#include <string>

#include "core/json_io.h"

namespace kda {

class Store;

/// Record format version, in every record's "schema_version" (docs/formats.md).
inline constexpr int kAuditSchemaVersion = 1;

struct AuditCheck {
  bool ok = true;
  int64_t records = 0;   ///< records that chain correctly from the start of the log
  int64_t bad_line = 0;  ///< 1-based, 0 when ok
  std::string problem;
  std::string head;  ///< hash of the last record that chains
  // Against the store's anchor (anchored == false for a log without a store, e.g. a run's).
  bool anchored = false;
  int64_t anchored_records = 0;  ///< how many records the store remembers
  int64_t unanchored = 0;        ///< chained records past the anchor's end that the store has not recorded yet
  int64_t intact = 0;            ///< records that chain and match the anchor: what `kda audit repair` keeps
  std::string note;              ///< a state that is not damage (an interrupted append, a pre-anchor log)
  std::string recovery;          ///< what to do, when !ok
  std::string store_created_at, store_created_by;
};

class AuditLog {
 public:
  /// `anchor`, when given, is the store that keeps this log's chain (it must outlive the log).
  explicit AuditLog(std::filesystem::path path, Store* anchor = nullptr)
      : path_(std::move(path)), anchor_(anchor) {}
  /// Appends a record and fsyncs, then anchors it; returns its hash. Refuses (kIntegrity) to
  /// extend a broken or trimmed chain. The first record of a new store's log is `store_created`.
  std::string append(const std::string& event, const Json& data);
  AuditCheck verify() const;
  /// Keeps the intact records (see AuditCheck::intact), moves the damaged log aside to
  /// `<log>.damaged-<time>` and appends `audit_repaired` naming what was lost. Returns the
  /// check it repaired; does nothing when the log verifies.
  AuditCheck repair();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::string write_record(const std::string& event, const Json& data, int64_t seq, const std::string& prev);
  std::filesystem::path path_;
  Store* anchor_ = nullptr;
};

}  // namespace kda
