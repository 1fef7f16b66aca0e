#include "report/sources.h"

#include <sqlite3.h>

#include <fstream>

#include "core/error.h"
#include "core/fs.h"

namespace fs = std::filesystem;

namespace kda::report {
namespace {

// A read-only connection: mode=ro never creates the file, never migrates and takes no write lock.
class ReadOnlyDb {
 public:
  explicit ReadOnlyDb(const fs::path& path) : path_(path) {
    const std::string uri = "file:" + path.string() + "?mode=ro";
    if (sqlite3_open_v2(uri.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "cannot open";
      sqlite3_close(db_);
      db_ = nullptr;
      fail(ErrorKind::kEnvironment, path.string() + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 5000);  // a writer's checkpoint may hold it briefly
  }
  ~ReadOnlyDb() { sqlite3_close(db_); }
  ReadOnlyDb(const ReadOnlyDb&) = delete;
  ReadOnlyDb& operator=(const ReadOnlyDb&) = delete;

  /// Calls `row` for each result row of `sql`.
  template <typename F>
  void each(const char* sql, F&& row) const {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK)
      fail(ErrorKind::kIntegrity, path_.string() + ": " + sqlite3_errmsg(db_));
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) row(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) fail(ErrorKind::kEnvironment, path_.string() + ": " + sqlite3_errmsg(db_));
  }
  bool has_table(const std::string& name) const {
    bool found = false;
    each(("SELECT 1 FROM sqlite_master WHERE type='table' AND name='" + name + "'").c_str(),
         [&](sqlite3_stmt*) { found = true; });
    return found;
  }

 private:
  fs::path path_;
  sqlite3* db_ = nullptr;
};

std::string text(sqlite3_stmt* s, int col) {
  const unsigned char* t = sqlite3_column_text(s, col);
  return t ? reinterpret_cast<const char*>(t) : "";
}

}  // namespace

StoreContents read_store(const fs::path& store_dir) {
  StoreContents out;
  const fs::path db_path = store_dir / "kda.db";
  if (!fs::exists(db_path)) return out;
  ReadOnlyDb db(db_path);
  int version = 0;
  db.each("PRAGMA user_version", [&](sqlite3_stmt* s) { version = sqlite3_column_int(s, 0); });
  if (version > kStoreSchemaVersion)
    fail(ErrorKind::kIntegrity, db_path.string() + ": store schema version " + std::to_string(version) +
                                    " is newer than this kda reads (" + std::to_string(kStoreSchemaVersion) + "); upgrade kda");
  if (db.has_table("pins"))
    db.each("SELECT name, hash, pinned_at FROM pins ORDER BY name", [&](sqlite3_stmt* s) {
      out.pins.push_back({text(s, 0), text(s, 1), text(s, 2)});
    });
  if (db.has_table("traces"))
    db.each("SELECT id, solution, solution_hash, workload, status, created_at, json FROM traces ORDER BY id",
            [&](sqlite3_stmt* s) {
              StoredTrace t;
              t.id = sqlite3_column_int64(s, 0);
              t.solution = text(s, 1);
              t.solution_hash = text(s, 2);
              t.workload = text(s, 3);
              t.status = text(s, 4);
              t.created_at = text(s, 5);
              t.trace = parse_json(text(s, 6), db_path.string() + " trace " + std::to_string(t.id));
              out.traces.push_back(std::move(t));
            });
  if (db.has_table("tuning"))
    db.each("SELECT count(*) FROM tuning", [&](sqlite3_stmt* s) { out.tuning_rows = sqlite3_column_int64(s, 0); });
  return out;
}

std::vector<JournalStep> read_journal(const fs::path& journal) {
  std::vector<JournalStep> out;
  if (!fs::exists(journal)) return out;
  ReadOnlyDb db(journal);
  if (!db.has_table("steps")) return out;
  std::string version = "1";
  if (db.has_table("meta"))
    db.each("SELECT v FROM meta WHERE k='schema_version'", [&](sqlite3_stmt* s) { version = text(s, 0); });
  if (version != "1")
    fail(ErrorKind::kInput, journal.string() + ": journal schema version " + version + " is not supported (expected 1)");
  db.each("SELECT seq, key, kind, at, data FROM steps ORDER BY seq", [&](sqlite3_stmt* s) {
    JournalStep st;
    st.seq = sqlite3_column_int64(s, 0);
    st.key = text(s, 1);
    st.kind = text(s, 2);
    st.at = text(s, 3);
    st.data = parse_json(text(s, 4), journal.string() + " step " + st.key);
    out.push_back(std::move(st));
  });
  return out;
}

std::vector<Json> read_json_lines(const fs::path& path) {
  std::vector<Json> out;
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    try {
      out.push_back(parse_json(line, path.string() + ":" + std::to_string(n)));
    } catch (const Error&) {
      if (in.peek() != EOF) throw;  // only a torn last line (a writer mid-append) is skipped
    }
  }
  return out;
}

std::vector<Json> read_device_peaks() {
  std::vector<Json> out;
  const fs::path dir = cache_dir() / "devices";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    try {
      Json j = read_json_file(f);
      if (j.value("schema_version", 0) == 1) out.push_back(std::move(j));
    } catch (const Error&) {
      // a damaged cache file is the judge's to re-measure, not the report's to fail on
    }
  }
  return out;
}

}  // namespace kda::report
