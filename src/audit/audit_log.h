// The append-only, hash-chained audit log (DESIGN §8): one JSON object per line, each carrying
// "seq", "prev" (the previous record's hash), "time", "event", "data" and its own "hash" =
// sha256(prev + canonical JSON of the record without "hash"). verify() detects any edit,
// deletion, insertion or reordering, and names the first bad line.
#pragma once

#include <filesystem>
#include <string>

#include "core/json_io.h"

namespace kda {

inline constexpr int kAuditSchemaVersion = 1;

struct AuditCheck {
  bool ok = true;
  int64_t records = 0;
  int64_t bad_line = 0;  ///< 1-based, 0 when ok
  std::string problem;
  std::string head;  ///< hash of the last record
};

class AuditLog {
 public:
  explicit AuditLog(std::filesystem::path path) : path_(std::move(path)) {}
  /// Appends a record and fsyncs; returns its hash. Refuses to extend a broken chain.
  std::string append(const std::string& event, const Json& data);
  AuditCheck verify() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace kda
