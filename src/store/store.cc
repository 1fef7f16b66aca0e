#include "store/store.h"

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <random>

#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "core/utf8.h"

namespace kda {
namespace fs = std::filesystem;

namespace {

// SQLite errors in the terms a user acts on: a full disk or a failing device is the environment
// (exit 6, the store itself is intact: SQLite rolled the write back); anything else is integrity.
[[noreturn]] void sqlite_fail(sqlite3* db, int rc, const std::string& where) {
  int primary = rc & 0xff;
  std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  // A full disk often surfaces as SQLITE_IOERR (a WAL or shm page that cannot grow); the errno
  // of the failed system call tells it apart from a failing device.
  const int sys = db ? sqlite3_system_errno(db) : 0;
  if (primary == SQLITE_FULL || sys == ENOSPC || sys == EDQUOT || sys == EFBIG)
    fail(ErrorKind::kEnvironment, where + ": the disk is full (" + msg + "); free space on the filesystem holding " +
                                      where + " and run the command again (the store is intact: the write was rolled back)");
  if (primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN || primary == SQLITE_READONLY || primary == SQLITE_BUSY ||
      primary == SQLITE_LOCKED || primary == SQLITE_NOMEM)
    fail(ErrorKind::kEnvironment, where + ": " + msg + " (SQLite error " + std::to_string(rc) +
                                      (sys ? ", " + std::string(std::strerror(sys)) : std::string()) +
                                      "); check the filesystem and its permissions, then run the command again");
  fail(ErrorKind::kIntegrity, where + ": " + msg);
}

// A prepared statement that finalizes itself; errors carry the database path.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql, const fs::path& where) : db_(db) {
    if (int rc = sqlite3_prepare_v2(db, sql, -1, &st_, nullptr); rc != SQLITE_OK) sqlite_fail(db, rc, where.string());
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt& bind(int i, const std::string& s) {
    sqlite3_bind_text(st_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  bool step() {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    const char* file = sqlite3_db_filename(db_, "main");
    sqlite_fail(db_, rc, file ? file : "kda.db");
  }
  std::string text(int col) const {
    auto p = sqlite3_column_text(st_, col);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }
  double real(int col) const { return sqlite3_column_double(st_, col); }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  Stmt& bind(int i, double v) {
    sqlite3_bind_double(st_, i, v);
    return *this;
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

void exec(sqlite3* db, const char* sql, const fs::path& where) {
  char* err = nullptr;
  if (int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err); rc != SQLITE_OK) {
    sqlite3_free(err);
    sqlite_fail(db, rc, where.string());
  }
}

std::string random_id() {
  std::random_device rd;
  std::string bytes;
  for (int i = 0; i < 4; ++i) {
    uint32_t v = rd();
    bytes.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  return sha256_hex(bytes).substr(0, 32);
}

}  // namespace

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool store_exists(const fs::path& dir) { return fs::exists(dir / "kda.db"); }

Store::Store(const fs::path& dir) : dir_(dir) {
  fs::create_directories(dir_ / "objects");
  fs::path db_path = dir_ / "kda.db";
  created_ = !fs::exists(db_path);
  if (sqlite3_open(db_path.c_str(), &db_) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    fail(ErrorKind::kIntegrity, "cannot open the store " + db_path.string() + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 10000);
  int version = 0;
  try {
    Stmt v(db_, "PRAGMA user_version", db_path);
    if (v.step()) version = static_cast<int>(v.integer(0));
  } catch (const Error&) {
    // Only a file that is not a database is a damaged store; a locked, unreadable or full one is
    // intact and the error above says what to fix.
    bool notadb = (sqlite3_errcode(db_) & 0xff) == SQLITE_NOTADB;
    sqlite3_close(db_);
    db_ = nullptr;
    if (!notadb) throw;
    fail(ErrorKind::kIntegrity, db_path.string() + " is not a kda store (not an SQLite database); restore it from a "
                                "backup, or move it away and run 'kda init --store-only TASK_DIR' to start a new store");
  }
  if (version > kStoreSchemaVersion) {
    sqlite3_close(db_);
    db_ = nullptr;
    fail(ErrorKind::kIntegrity, db_path.string() + " was written by a newer kda (schema " + std::to_string(version) + "); upgrade kda");
  }
  exec(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", db_path);
  if (version == 0) {
    exec(db_,
         "BEGIN;"
         "CREATE TABLE IF NOT EXISTS pins(name TEXT PRIMARY KEY, hash TEXT NOT NULL, pinned_at TEXT NOT NULL);"
         "CREATE TABLE IF NOT EXISTS traces(id INTEGER PRIMARY KEY, solution TEXT, solution_hash TEXT,"
         " workload TEXT, status TEXT, created_at TEXT, json TEXT NOT NULL);"
         "CREATE INDEX IF NOT EXISTS traces_by_solution ON traces(solution);"
         "PRAGMA user_version=1;"
         "COMMIT;",
         db_path);
    version = 1;
  }
  if (version == 1) {
    exec(db_,
         "BEGIN;"
         "CREATE TABLE IF NOT EXISTS tuning(variant_hash TEXT, workload_hash TEXT, device_key TEXT,"
         " toolchain_key TEXT, definition_hash TEXT, variant TEXT, workload TEXT, device TEXT, toolchain TEXT,"
         " status TEXT, latency_ms REAL, trace TEXT NOT NULL, created_at TEXT,"
         " PRIMARY KEY(variant_hash, workload_hash, device_key, toolchain_key, definition_hash));"
         "PRAGMA user_version=2;"
         "COMMIT;",
         db_path);
    version = 2;
  }
  if (version == 2) {
    // A v2 store's audit log predates the anchor: the first anchored append adopts it and says so.
    std::string upgraded = created_ ? "" : "INSERT OR IGNORE INTO meta(key, value) VALUES('anchor_adopt', '2');";
    exec(db_,
         ("BEGIN;"
          "CREATE TABLE IF NOT EXISTS audit_chain(seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, event TEXT, time TEXT);"
          "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);" +
          upgraded + "PRAGMA user_version=3;COMMIT;").c_str(),
         db_path);
  }
  // Every store has an identity, so that a store put in another's place can be told apart
  // (src/audit/task_store.h); one upgraded from schema 2 gets its identity now.
  if (!meta("store_id")) set_meta("store_id", random_id());
  if (created_) set_meta("created_at", utc_now());
}

Store::~Store() { sqlite3_close(db_); }

std::string Store::put_object(std::string_view bytes) {
  std::string h = sha256_hex(bytes);
  fs::path p = dir_ / "objects" / h;
  if (!fs::exists(p)) write_file_atomic(p, bytes);
  return h;
}

std::optional<std::string> Store::get_object(const std::string& hash) const {
  fs::path p = dir_ / "objects" / hash;
  if (hash.size() != 64 || hash.find_first_not_of("0123456789abcdef") != std::string::npos || !fs::exists(p))
    return std::nullopt;
  return read_file(p);
}

void Store::set_pin(const std::string& name, const std::string& hash) {
  Stmt(db_, "INSERT INTO pins(name, hash, pinned_at) VALUES(?1, ?2, ?3) "
            "ON CONFLICT(name) DO UPDATE SET hash=excluded.hash, pinned_at=excluded.pinned_at", dir_)
      .bind(1, name).bind(2, hash).bind(3, utc_now()).step();
}

std::optional<Pin> Store::pin(const std::string& name) const {
  Stmt s(db_, "SELECT name, hash, pinned_at FROM pins WHERE name = ?1", dir_);
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return Pin{s.text(0), s.text(1), s.text(2)};
}

std::vector<Pin> Store::pins() const {
  Stmt s(db_, "SELECT name, hash, pinned_at FROM pins ORDER BY name", dir_);
  std::vector<Pin> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2)});
  return out;
}

int64_t Store::add_trace(const std::string& solution_hash, const Json& trace) {
  // kda's own status (REJECTED included) is kda.status; evaluation.status is flashinfer-bench's
  // nearest (task/trace.h).
  std::string status = trace.contains("kda") && trace["kda"].is_object() && trace["kda"].contains("status")
                           ? trace["kda"].value("status", "")
                       : trace.contains("evaluation") && trace["evaluation"].is_object()
                           ? trace["evaluation"].value("status", "") : "";
  std::string workload = trace.contains("workload") && trace["workload"].is_object()
                             ? trace["workload"].value("uuid", "") : "";
  Stmt(db_, "INSERT INTO traces(solution, solution_hash, workload, status, created_at, json) VALUES(?1,?2,?3,?4,?5,?6)", dir_)
      .bind(1, trace.value("solution", "")).bind(2, solution_hash).bind(3, workload).bind(4, status)
      .bind(5, utc_now()).bind(6, dump_json(trace)).step();
  return sqlite3_last_insert_rowid(db_);
}

std::vector<StoredTrace> Store::traces(const std::string& solution_filter) const {
  Stmt s(db_, solution_filter.empty()
                  ? "SELECT id, solution, solution_hash, workload, status, created_at, json FROM traces ORDER BY id"
                  : "SELECT id, solution, solution_hash, workload, status, created_at, json FROM traces WHERE solution = ?1 ORDER BY id",
         dir_);
  if (!solution_filter.empty()) s.bind(1, solution_filter);
  std::vector<StoredTrace> out;
  while (s.step())
    out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), parse_json(s.text(6), "store trace")});
  return out;
}

void Store::put_tuning(const TuningKey& k, const TuningRecord& r) {
  Stmt(db_, "INSERT OR REPLACE INTO tuning(variant_hash, workload_hash, device_key, toolchain_key, definition_hash,"
            " variant, workload, device, toolchain, status, latency_ms, trace, created_at)"
            " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)", dir_)
      .bind(1, k.variant_hash).bind(2, k.workload_hash).bind(3, k.device_key).bind(4, k.toolchain_key)
      .bind(5, k.definition_hash).bind(6, r.variant).bind(7, r.workload).bind(8, r.device).bind(9, r.toolchain)
      .bind(10, r.status).bind(11, r.latency_ms).bind(12, dump_json(r.trace)).bind(13, utc_now()).step();
}

std::optional<TuningRecord> Store::tuning(const TuningKey& k) const {
  Stmt s(db_, "SELECT variant, workload, device, toolchain, status, latency_ms, trace, created_at FROM tuning"
              " WHERE variant_hash=?1 AND workload_hash=?2 AND device_key=?3 AND toolchain_key=?4 AND definition_hash=?5", dir_);
  s.bind(1, k.variant_hash).bind(2, k.workload_hash).bind(3, k.device_key).bind(4, k.toolchain_key).bind(5, k.definition_hash);
  if (!s.step()) return std::nullopt;
  return TuningRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.real(5),
                      parse_json(s.text(6), "store tuning record"), s.text(7)};
}

std::vector<ChainLink> Store::anchored_chain() const {
  Stmt s(db_, "SELECT seq, hash, event, time FROM audit_chain ORDER BY seq", dir_);
  std::vector<ChainLink> out;
  while (s.step()) out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3)});
  return out;
}

void Store::anchor_link(const ChainLink& l) {
  // The WHERE clause makes the append conditional inside SQLite: a link that does not extend the
  // anchor by exactly one is not written (a racing writer or a bug), and we say so.
  Stmt(db_, "INSERT INTO audit_chain(seq, hash, event, time) SELECT ?1, ?2, ?3, ?4"
            " WHERE ?1 = (SELECT COUNT(*) FROM audit_chain) + 1", dir_)
      .bind(1, l.seq).bind(2, l.hash).bind(3, l.event).bind(4, l.time).step();
  if (sqlite3_changes(db_) != 1)
    fail(ErrorKind::kIntegrity, (dir_ / "kda.db").string() + ": the audit anchor does not end at record " +
                                    std::to_string(l.seq - 1) + "; run 'kda audit verify' on the task");
}

void Store::truncate_anchor(int64_t keep) {
  Stmt(db_, "DELETE FROM audit_chain WHERE seq > ?1", dir_).bind(1, keep).step();
}

std::optional<std::string> Store::meta(const std::string& key) const {
  Stmt s(db_, "SELECT value FROM meta WHERE key = ?1", dir_);
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void Store::set_meta(const std::string& key, const std::string& value) {
  Stmt(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", dir_).bind(1, key).bind(2, value).step();
}

int64_t Store::tuning_count() const {
  Stmt s(db_, "SELECT COUNT(*) FROM tuning", dir_);
  return s.step() ? s.integer(0) : 0;
}

}  // namespace kda
