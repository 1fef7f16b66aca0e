// Thin RAII wrappers over the SQLite C API for the wiki index (private to src/wiki): a connection
// that throws kda::Error on failure, a statement with typed binds and columns, and a cache of
// prepared statements so that repeated searches on one open Index do not re-prepare their SQL.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "core/error.h"

namespace kda::wiki {

class Db {
 public:
  /// Opens path, or uri when given (with SQLITE_OPEN_URI in flags); errors name path.
  Db(const std::filesystem::path& path, int flags, const std::string& uri = "") : path_(path) {
    if (sqlite3_open_v2(uri.empty() ? path.c_str() : uri.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      fail(ErrorKind::kEnvironment, "cannot open the wiki index " + path.string() + ": " + msg);
    }
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  sqlite3* get() const { return db_; }
  const std::filesystem::path& path() const { return path_; }
  void exec(const std::string& sql) const {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      fail(ErrorKind::kIntegrity, path_.string() + ": " + msg);
    }
  }
  [[noreturn]] void fail_here() const { fail(ErrorKind::kIntegrity, path_.string() + ": " + sqlite3_errmsg(db_)); }

 private:
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
};

/// A statement: owned (finalised on destruction) or borrowed from a StmtCache (reset and its
/// bindings cleared on destruction, so the next user finds it ready).
class Stmt {
 public:
  Stmt(const Db& db, const std::string& sql) : db_(db), owned_(true) {
    if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &st_, nullptr) != SQLITE_OK) db.fail_here();
  }
  Stmt(const Db& db, sqlite3_stmt* borrowed) : db_(db), st_(borrowed), owned_(false) {}
  ~Stmt() {
    if (owned_) {
      sqlite3_finalize(st_);
    } else {
      sqlite3_reset(st_);
      sqlite3_clear_bindings(st_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, std::string_view s) {
    sqlite3_bind_text(st_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  Stmt& bind(int i, double v) {
    sqlite3_bind_double(st_, i, v);
    return *this;
  }
  bool step() {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_.fail_here();
  }
  void reset() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  std::string text(int col) const {
    auto p = sqlite3_column_text(st_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st_, col))) : "";
  }
  /// The column's bytes without a copy; valid until the next step, reset or column call.
  std::string_view view(int col) const {
    auto p = sqlite3_column_text(st_, col);
    return p ? std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st_, col)))
             : std::string_view();
  }
  int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }
  double real(int col) const { return sqlite3_column_double(st_, col); }

 private:
  const Db& db_;
  sqlite3_stmt* st_ = nullptr;
  bool owned_;
};

/// Prepared statements by SQL text, finalised with the cache. Not thread-safe: the owner
/// serialises its users.
class StmtCache {
 public:
  explicit StmtCache(const Db& db) : db_(db) {}
  ~StmtCache() {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st);
  }
  StmtCache(const StmtCache&) = delete;
  StmtCache& operator=(const StmtCache&) = delete;
  /// A borrowed statement for sql, prepared on first use; an owned one once the cache is full
  /// (filters make the SQL vary, and a long-lived process must stay bounded).
  Stmt stmt(const std::string& sql) {
    if (auto it = cache_.find(sql); it != cache_.end()) return Stmt(db_, it->second);
    if (cache_.size() >= kMaxStatements) return Stmt(db_, sql);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_.get(), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK)
      db_.fail_here();
    cache_.emplace(sql, st);
    return Stmt(db_, st);
  }

 private:
  static constexpr size_t kMaxStatements = 128;
  const Db& db_;
  std::map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace kda::wiki
