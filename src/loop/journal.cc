#include "loop/journal.h"

#include <sqlite3.h>

#include "core/error.h"
#include "core/utf8.h"

namespace kda::loop {
namespace {

void exec(sqlite3* db, const char* sql, const std::filesystem::path& path) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    fail(ErrorKind::kEnvironment, path.string() + ": " + msg);
  }
}

struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt(sqlite3* db, const char* sql, const std::filesystem::path& path) {
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
      fail(ErrorKind::kEnvironment, path.string() + ": " + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s); }
};

std::string text(sqlite3_stmt* s, int col) {
  const unsigned char* t = sqlite3_column_text(s, col);
  return t ? reinterpret_cast<const char*>(t) : "";
}

}  // namespace

Journal::Journal(const std::filesystem::path& path) : path_(path) {
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "cannot open";
    sqlite3_close(db_);
    db_ = nullptr;
    fail(ErrorKind::kEnvironment, path.string() + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", path_);
  exec(db_,
       "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);"
       "INSERT OR IGNORE INTO meta VALUES('schema_version', '1');"
       "CREATE TABLE IF NOT EXISTS steps(seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE NOT NULL,"
       " kind TEXT NOT NULL, data TEXT NOT NULL, at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));",
       path_);
  Stmt v(db_, "SELECT v FROM meta WHERE k='schema_version'", path_);
  if (sqlite3_step(v.s) == SQLITE_ROW && text(v.s, 0) != "1")
    fail(ErrorKind::kInput, path_.string() + ": journal schema version " + text(v.s, 0) + " is not supported (expected 1)");
}

Journal::~Journal() { sqlite3_close(db_); }

std::optional<Json> Journal::get(const std::string& key) const {
  Stmt q(db_, "SELECT data FROM steps WHERE key = ?", path_);
  sqlite3_bind_text(q.s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(q.s) != SQLITE_ROW) return std::nullopt;
  return parse_json(text(q.s, 0), path_.string() + " step " + key);
}

void Journal::put(const std::string& key, const std::string& kind, const Json& data) {
  const std::string body = dump_json(data);  // agents' and candidates' text may not be UTF-8
  if (auto existing = get(key)) {
    if (dump_json(*existing) == body) return;
    fail(ErrorKind::kIntegrity, path_.string() + ": step " + key + " is already recorded with a different result");
  }
  Stmt ins(db_, "INSERT INTO steps(key, kind, data) VALUES(?, ?, ?)", path_);
  sqlite3_bind_text(ins.s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(ins.s, 2, kind.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(ins.s, 3, body.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(ins.s) != SQLITE_DONE) fail(ErrorKind::kEnvironment, path_.string() + ": " + sqlite3_errmsg(db_));
}

std::vector<Step> Journal::steps() const {
  Stmt q(db_, "SELECT seq, key, kind, data FROM steps ORDER BY seq", path_);
  std::vector<Step> out;
  while (sqlite3_step(q.s) == SQLITE_ROW)
    out.push_back({sqlite3_column_int64(q.s, 0), text(q.s, 1), text(q.s, 2), parse_json(text(q.s, 3), path_.string())});
  return out;
}

}  // namespace kda::loop
