// The run's journal (DESIGN §7): every finished step — a writer's round, a check, a review, a
// decision — is one row in SQLite (WAL, synchronous FULL) under an idempotent key such as
// "T1/3/check". A step is done once its row is committed; `kda resume` skips done steps and
// redoes only the one a crash interrupted, so no verdict is ever taken twice.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/json_io.h"

struct sqlite3;

namespace kda::loop {

struct Step {
  int64_t seq = 0;
  std::string key;
  std::string kind;
  Json data;
};

class Journal {
 public:
  explicit Journal(const std::filesystem::path& path);  ///< creates the schema if new
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  std::optional<Json> get(const std::string& key) const;
  /// Records a finished step; refuses a second, different record under the same key (kIntegrity).
  void put(const std::string& key, const std::string& kind, const Json& data);
  std::vector<Step> steps() const;

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

}  // namespace kda::loop
