#include "wiki/index.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <system_error>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "core/error.h"
#include "wiki/rank.h"
#include "wiki/scan.h"
#include "wiki/sqlite_db.h"
#include "wiki/vocab.h"

namespace kda::wiki {
namespace fs = std::filesystem;

namespace {

// A search reads, for every matching row, only `ranks` (the prior of each searchable entry: drafts
// that duplicate a record are left out) and, when it filters, the small columns of `entries`; the
// stored entry (front matter as JSON, body included) is in `docs`, read for one entry by `show`.
// With the JSON in `entries`, every match dragged its overflow pages through the sorter (issue 18:
// 5.6 ms p50), and a cold `kda wiki search` process spent ~15 ms faulting in `entries` pages.
const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries(
  rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, path TEXT NOT NULL UNIQUE, hash TEXT NOT NULL,
  kind TEXT NOT NULL, title TEXT NOT NULL, archs TEXT NOT NULL, techniques TEXT NOT NULL,
  symptoms TEXT NOT NULL, repos TEXT NOT NULL, draft INTEGER NOT NULL, sources TEXT NOT NULL,
  ops TEXT NOT NULL, date TEXT NOT NULL, ns TEXT NOT NULL, prior REAL NOT NULL,
  dup_of TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS docs(rowid INTEGER PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ranks(rowid INTEGER PRIMARY KEY, prior REAL NOT NULL);
CREATE TABLE IF NOT EXISTS problems(file TEXT NOT NULL, line INTEGER NOT NULL, message TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(id, title, summary, body, techniques, cjk,
  tokenize = 'porter unicode61');
)sql";

// ",a,b," so that a LIKE '%,a,%' test matches whole items.
std::string joined(const std::vector<std::string>& v) {
  std::string s = ",";
  for (auto& x : v) s += lower(x) + ",";
  return s;
}

std::string words(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += x + " ";
  return s;
}

std::vector<std::string> split_csv(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

// What a hit shows as its sources, as a JSON array: the URL, or the upstream page path without one.
std::string source_list(const Entry& e) {
  Json a = Json::array();
  for (auto& src : e.sources) a.push_back(src.url.empty() ? src.path : src.url);
  return a.dump();
}

const std::set<std::string>& stop_words() {
  static const std::set<std::string> s = {
      "a",    "an",   "the",  "in",    "on",   "of",    "for",  "to",   "with", "how",  "do",   "i",
      "my",   "what", "is",   "are",   "and",  "or",    "use",  "using", "when", "why", "does", "can",
      "which", "best", "way", "from",  "by",   "it",    "at",   "be",   "this", "that", "we",   "should",
      "get",  "make", "into", "about", "there", "vs",   "than", "its",  "our",  "without", "me", "some"};
  return s;
}

// Splits a term into FTS tokens (letters and digits) and quotes it as a phrase.
std::string phrase(const std::string& term) {
  std::string out, cur;
  for (char c : term) {
    if (std::isalnum(static_cast<unsigned char>(c)) || (c & 0x80)) {  // UTF-8 letters stay in the word
      cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!cur.empty()) {
      out += (out.empty() ? "" : " ") + cur;
      cur.clear();
    }
  }
  if (!cur.empty()) out += (out.empty() ? "" : " ") + cur;
  return out.empty() ? "" : "\"" + out + "\"";
}

Hit hit_from(const Stmt& st, bool with_score) {
  Hit h;
  h.id = st.text(0);
  h.title = st.text(1);
  h.kind = st.text(2);
  h.path = st.text(3);
  h.architectures = split_csv(st.text(4));
  h.techniques = split_csv(st.text(5));
  h.draft = st.integer(6) != 0;
  if (with_score) h.score = st.real(8);
  return h;
}

// Filters shared by search and list; appends bound values to `binds`.
std::string filter_sql(const Query& q, std::vector<std::string>& binds) {
  std::string w;
  auto add = [&](const std::string& clause, const std::string& value) {
    w += " AND " + clause;
    binds.push_back(value);
  };
  if (!q.arch.empty()) {
    std::string a = canonical_arch(q.arch);
    if (a.empty()) fail(ErrorKind::kUsage, "unknown architecture '" + q.arch + "' (try sm90, sm100, gfx942, hopper, ...)");
    if (a.size() > 2 && a.back() == 'a' && a.rfind("sm", 0) == 0) a.pop_back();
    // Strict by default (issue 18): an entry must name this architecture (sm90 also as sm90a)
    // or say it applies to any; one that states none is kept only with include_unknown_arch.
    w += " AND (e.archs LIKE '%,' || ? || ',%' OR e.archs LIKE '%,' || ? || 'a,%' OR e.archs LIKE '%,any,%'";
    binds.insert(binds.end(), {a, a});
    if (q.include_unknown_arch) w += " OR e.archs = ','";
    w += ")";
  }
  if (!q.kind.empty()) add("e.kind = ?", q.kind);
  if (!q.technique.empty()) {
    auto alts = expand_term(q.technique);
    w += " AND (0";
    // A technique matches as a whole item or as a '-'-separated part of one (padding matches
    // lds-padding and bank-conflict-padding), since imported vocabularies compound names.
    for (auto& t : alts) {
      w += " OR e.techniques LIKE '%,' || ? || ',%' OR e.techniques LIKE '%-' || ? || ',%'"
           " OR e.techniques LIKE '%,' || ? || '-%'";
      binds.insert(binds.end(), {t, t, t});
    }
    w += ")";
  }
  if (!q.repo.empty()) add("e.repos LIKE '%,' || ? || ',%'", lower(q.repo));
  if (!q.op.empty()) {
    w += " AND (0";
    for (auto& t : expand_term(q.op)) {
      w += " OR e.ops LIKE '%,' || ? || ',%'";
      binds.push_back(t);
    }
    w += ")";
  }
  auto check_date = [](const std::string& d, const char* what) {
    bool ok = d.size() >= 4 && d.size() <= 10;
    for (char ch : d) ok = ok && (std::isdigit(static_cast<unsigned char>(ch)) || ch == '-');
    if (!ok) fail(ErrorKind::kUsage, std::string("--") + what + " wants a date as YYYY, YYYY-MM or YYYY-MM-DD, got '" + d + "'");
  };
  if (!q.since.empty()) {
    check_date(q.since, "since");
    add("e.date >= ?", q.since);
  }
  if (!q.until.empty()) {
    check_date(q.until, "until");
    // "2025-06" includes every day of June: compare against the bound followed by a high character.
    add("e.date <> '' AND e.date <= ?", q.until + "~");
  }
  if (!q.ns.empty()) add("e.ns = ?", q.ns == "local" ? std::string() : q.ns);
  if (!q.finding.empty()) {
    auto techs = techniques_for_finding(q.finding);
    if (techs.empty()) fail(ErrorKind::kUsage, "unknown finding category '" + q.finding + "' (DESIGN §5 lists them)");
    w += " AND (e.symptoms LIKE '%,' || ? || ',%'";
    binds.push_back(q.finding);
    std::set<std::string> alts;
    for (auto& t : techs)
      for (auto& a : expand_term(t)) alts.insert(a);
    // A technique matches as a whole item or as a '-'-separated part of one (padding matches
    // lds-padding and bank-conflict-padding), since imported vocabularies compound names.
    for (auto& t : alts) {
      w += " OR e.techniques LIKE '%,' || ? || ',%' OR e.techniques LIKE '%-' || ? || ',%'"
           " OR e.techniques LIKE '%,' || ? || '-%'";
      binds.insert(binds.end(), {t, t, t});
    }
    w += ")";
  }
  if (!q.include_drafts) w += " AND e.draft = 0";
  return w;
}

}  // namespace

fs::path index_path(const fs::path& wiki_dir) { return wiki_dir / ".index" / "wiki.db"; }

double entry_prior(const Entry& e) {
  bool source = e.kind.rfind("source-", 0) == 0;
  double p = source ? 1.0 : (e.ns.empty() ? 1.6 : 1.3);
  if (source && e.ns.empty() && !e.draft) p = 1.2;
  if (e.confidence == "verified") p *= 1.1;
  else if (e.confidence == "inferred") p *= 0.9;
  else if (e.confidence == "experimental") p *= 0.85;
  if (e.draft) p *= 0.5;
  return p;
}

std::map<std::string, std::string> duplicate_drafts(const std::vector<Entry>& entries) {
  std::map<std::string, std::string> holder;  // "owner/name#pr" -> id of a non-draft record
  auto keys = [](const Entry& e) {
    std::vector<std::string> k;
    for (auto& s : e.sources)
      if (s.type == "code" && s.pr && !s.repo.empty()) k.push_back(lower(s.repo) + "#" + std::to_string(*s.pr));
    return k;
  };
  for (auto& e : entries)
    if (!e.draft && e.kind == "source-pr")
      for (auto& k : keys(e)) holder.emplace(k, e.id);
  std::map<std::string, std::string> out;
  for (auto& e : entries)
    if (e.draft)
      for (auto& k : keys(e))
        if (auto it = holder.find(k); it != holder.end() && it->second != e.id) {
          out.emplace(e.id, it->second);
          break;
        }
  return out;
}

Json entry_to_json(const Entry& e) {
  Json j = {{"schema_version", e.schema_version}, {"id", e.id}, {"title", e.title}, {"kind", e.kind},
            {"draft", e.draft}, {"architectures", e.architectures}, {"kernel_types", e.kernel_types},
            {"techniques", e.techniques}, {"hardware_features", e.hardware_features},
            {"confidence", e.confidence}};
  if (!e.reproducibility.empty()) j["reproducibility"] = e.reproducibility;
  if (!e.symptoms.empty()) j["symptoms"] = e.symptoms;
  if (!e.links.empty()) j["links"] = e.links;
  if (!e.tags.empty()) j["tags"] = e.tags;
  if (!e.ns.empty()) j["namespace"] = e.ns;
  if (!e.upstream.empty()) j["upstream_front_matter"] = e.upstream;
  if (std::string d = entry_date(e); !d.empty()) j["date"] = d;
  j["performance_claims"] = Json::array();
  for (auto& p : e.performance_claims)
    j["performance_claims"].push_back({{"gpu", p.gpu}, {"dtype", p.dtype}, {"shape", p.shape},
                                       {"metric", p.metric}, {"value", p.value}, {"source", p.source}});
  j["sources"] = Json::array();
  for (auto& s : e.sources) {
    Json sj = {{"type", s.type}, {"repo", s.repo}};
    if (s.pr) sj["pr"] = *s.pr;
    if (!s.commit.empty()) sj["commit"] = s.commit;
    sj["url"] = s.url;
    if (!s.date.empty()) sj["date"] = s.date;
    if (!s.title.empty()) sj["title"] = s.title;
    if (!s.path.empty()) sj["path"] = s.path;
    j["sources"].push_back(sj);
  }
  j["summary"] = e.summary;
  j["body"] = e.body;
  return j;
}

std::string fts_query(const std::string& text, const std::vector<std::string>& extra_terms) {
  // CJK runs have no spaces to split on: each becomes a phrase of its bigrams in the cjk column
  // (a substring match there); the rest is split into words.
  std::string rest;
  std::vector<std::string> cjk = cjk_runs(text, rest);
  std::vector<std::string> raw;
  std::string cur;
  for (char c : rest) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == '?' || c == '"' || c == '(' || c == ')' ||
        c == '*' || c == ':' || c == '^' || c == ';' || c == '!') {
      if (!cur.empty()) raw.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) raw.push_back(cur);
  auto trim = [](std::string t) {
    t = lower(t);
    while (!t.empty() && !(std::isalnum(static_cast<unsigned char>(t.back())) || (t.back() & 0x80))) t.pop_back();
    while (!t.empty() && !(std::isalnum(static_cast<unsigned char>(t.front())) || (t.front() & 0x80))) t.erase(0, 1);
    return t;
  };
  std::vector<std::string> words;
  for (auto& w : raw)
    if (auto t = trim(w); !t.empty()) words.push_back(t);
  // Multi-word vocabulary terms ("tensor memory", "top k", "grouped gemm") are kept together as
  // one term as well as word by word, so their aliases are expanded (issue 18).
  std::vector<std::string> terms;
  for (size_t i = 0; i < words.size(); ++i) {
    for (size_t n = 3; n >= 2; --n) {
      if (i + n > words.size()) continue;
      std::string joined = words[i];
      for (size_t k = 1; k < n; ++k) joined += " " + words[i + k];
      if (is_vocab_phrase(joined)) {
        terms.push_back(joined);
        break;
      }
    }
    terms.push_back(words[i]);
  }
  for (auto& t : extra_terms) terms.push_back(lower(t));
  std::vector<std::string> groups;
  std::set<std::string> seen;
  for (auto t : terms) {
    if (t.empty() || stop_words().count(t) || !seen.insert(t).second) continue;
    std::string arch = canonical_arch(t);
    if (!arch.empty() && arch != "any") {
      if (arch.size() > 2 && arch.back() == 'a' && arch.rfind("sm", 0) == 0) arch.pop_back();
      t = arch;
    }
    std::string g;
    for (auto& alt : expand_term(t)) {
      std::string p = phrase(alt);
      if (p.empty() || g.find(p) != std::string::npos) continue;
      g += (g.empty() ? "" : " OR ") + p;
    }
    if (!g.empty()) groups.push_back("(" + g + ")");
  }
  for (auto& run : cjk) {
    std::string bi = cjk_bigrams(run);
    while (!bi.empty() && bi.back() == ' ') bi.pop_back();
    if (bi.empty()) continue;
    // A lone character matches the bigrams that start with it.
    bool single = bi.find(' ') == std::string::npos && bi.size() <= 4;
    groups.push_back("(cjk : \"" + bi + "\"" + (single ? "*" : "") + ")");
  }
  std::string q;
  for (auto& g : groups) q += (q.empty() ? "" : " OR ") + g;
  return q;
}

IndexStats build_index(const fs::path& wiki_dir, bool full_rebuild) {
  auto t0 = std::chrono::steady_clock::now();
  LoadResult loaded = load_wiki(wiki_dir);
  // Bad entries are left out with their problems recorded (issue 18: one invalid entry made
  // every search fail); the rest is indexed.
  std::map<std::string, std::string> dup_of = duplicate_drafts(loaded.entries);
  fs::path final_path = index_path(wiki_dir);
  fs::create_directories(final_path.parent_path());
  fs::path tmp = final_path;
  tmp += ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove(tmp, ec);
  IndexStats stats;
  stats.problems = loaded.problems;
  try {
    bool reuse = !full_rebuild && fs::exists(final_path);
    if (reuse) fs::copy_file(final_path, tmp);
    {
      Db db(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
      db.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;");
      if (reuse) {
        bool ok = false;
        try {
          Stmt v(db, "SELECT value FROM meta WHERE key='schema_version'");
          ok = v.step() && v.text(0) == std::to_string(kIndexSchemaVersion);
        } catch (const Error&) {
        }  // the statement is finalised here: dropping tables under it would fail as locked
        if (!ok)
          db.exec("DROP TABLE IF EXISTS fts; DROP TABLE IF EXISTS entries; DROP TABLE IF EXISTS meta; "
                  "DROP TABLE IF EXISTS problems; DROP TABLE IF EXISTS docs; DROP TABLE IF EXISTS ranks;");
      }
      db.exec(kSchema);
      db.exec("BEGIN");
      std::map<std::string, std::pair<int64_t, std::string>> old;  // path -> rowid, hash
      {
        Stmt s(db, "SELECT path, rowid, hash FROM entries");
        while (s.step()) old[s.text(0)] = {s.integer(1), s.text(2)};
      }
      std::map<std::string, size_t> now;  // relative path -> entry index
      for (size_t i = 0; i < loaded.entries.size(); ++i)
        now[loaded.entries[i].path.lexically_relative(wiki_dir).generic_string()] = i;
      Stmt del_e(db, "DELETE FROM entries WHERE rowid = ?");
      Stmt del_f(db, "DELETE FROM fts WHERE rowid = ?");
      Stmt del_d(db, "DELETE FROM docs WHERE rowid = ?");
      for (auto& [path, row] : old) {
        auto it = now.find(path);
        bool same = it != now.end() && loaded.hashes[it->second] == row.second;
        if (same) {
          ++stats.unchanged;
          continue;
        }
        if (it == now.end()) ++stats.removed;
        del_e.bind(1, row.first);
        del_e.step();
        del_e.reset();
        del_f.bind(1, row.first);
        del_f.step();
        del_f.reset();
        del_d.bind(1, row.first);
        del_d.step();
        del_d.reset();
      }
      Stmt ins_e(db,
                 "INSERT INTO entries(id, path, hash, kind, title, archs, techniques, symptoms, repos, draft, sources, "
                 "ops, date, ns, prior) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      Stmt ins_d(db, "INSERT INTO docs(rowid, json) VALUES(?,?)");
      Stmt ins_f(db, "INSERT INTO fts(rowid, id, title, summary, body, techniques, cjk) VALUES(?,?,?,?,?,?,?)");
      for (auto& [path, i] : now) {
        auto it = old.find(path);
        if (it != old.end() && it->second.second == loaded.hashes[i]) continue;
        (it == old.end() ? stats.added : stats.updated)++;
        const Entry& e = loaded.entries[i];
        std::vector<std::string> repos;
        for (auto& s : e.sources)
          if (!s.repo.empty()) repos.push_back(s.repo);
        // The technique column carries hardware features and tags too, so that --technique tma and
        // --for-finding match pages that name a feature rather than a technique.
        std::vector<std::string> techs = e.techniques;
        for (auto* v : {&e.hardware_features, &e.tags})
          for (auto& t : *v)
            if (std::find(techs.begin(), techs.end(), t) == techs.end()) techs.push_back(t);
        ins_e.bind(1, e.id).bind(2, path).bind(3, loaded.hashes[i]).bind(4, e.kind).bind(5, e.title);
        ins_e.bind(6, joined(e.architectures)).bind(7, joined(techs)).bind(8, joined(e.symptoms));
        ins_e.bind(9, joined(repos)).bind(10, static_cast<int64_t>(e.draft)).bind(11, source_list(e));
        ins_e.bind(12, joined(e.kernel_types)).bind(13, entry_date(e)).bind(14, e.ns).bind(15, entry_prior(e));
        ins_e.step();
        ins_e.reset();
        int64_t rowid = sqlite3_last_insert_rowid(db.get());
        ins_d.bind(1, rowid).bind(2, entry_to_json(e).dump());
        ins_d.step();
        ins_d.reset();
        std::string tech_text = words(e.techniques) + words(e.hardware_features) + words(e.kernel_types) +
                                words(e.architectures) + words(e.symptoms) + words(e.tags);
        ins_f.bind(1, rowid).bind(2, e.id).bind(3, e.title).bind(4, e.summary).bind(5, e.body).bind(6, tech_text);
        ins_f.bind(7, cjk_bigrams(e.title + "\n" + e.summary + "\n" + e.body + "\n" + tech_text));
        ins_f.step();
        ins_f.reset();
      }
      // Drafts that repeat a PR another record holds (an imported KB's record, a curated
      // summary): linked to it and left out of search, for every row, since the record that
      // supersedes a draft may be the one that just arrived.
      Stmt set_dup(db, "UPDATE entries SET dup_of = ? WHERE id = ? AND dup_of <> ?");
      for (auto& e : loaded.entries) {
        auto it = dup_of.find(e.id);
        std::string d = it == dup_of.end() ? "" : it->second;
        set_dup.bind(1, d).bind(2, e.id).bind(3, d);
        set_dup.step();
        set_dup.reset();
      }
      db.exec("DELETE FROM ranks; INSERT INTO ranks(rowid, prior) SELECT rowid, prior FROM entries WHERE dup_of = ''");
      db.exec("DELETE FROM problems");
      Stmt ins_p(db, "INSERT INTO problems(file, line, message) VALUES(?,?,?)");
      for (auto& p : loaded.problems) {
        ins_p.bind(1, p.file.string()).bind(2, static_cast<int64_t>(p.line)).bind(3, p.message);
        ins_p.step();
        ins_p.reset();
      }
      Stmt meta(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
      meta.bind(1, std::string("schema_version")).bind(2, std::to_string(kIndexSchemaVersion));
      meta.step();
      meta.reset();
      meta.bind(1, std::string("built_at")).bind(2, std::to_string(std::time(nullptr)));
      meta.step();
      meta.reset();
      meta.bind(1, std::string("files")).bind(2, std::to_string(loaded.files));
      meta.step();
      db.exec("COMMIT");
    }
    fs::rename(tmp, final_path);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return stats;
}

namespace {

// A file: URI for path, so that the index can be opened immutable (below).
std::string file_uri(const fs::path& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string uri = "file:";
  for (unsigned char c : path.string()) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-' || c == '~') {
      uri += static_cast<char>(c);
    } else {
      uri += '%';
      uri += hex[c >> 4];
      uri += hex[c & 15];
    }
  }
  return uri + "?immutable=1";
}

}  // namespace

namespace {

// An open index: the connection and its prepared statements.
struct Conn {
  // immutable=1: build_index never writes the index in place (it renames a new file over it),
  // so an open index cannot change under us, and SQLite may skip its file locks and change
  // checks (a system call per statement step; system calls are dear on the 2-core VM).
  explicit Conn(const fs::path& p) : db(p, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, file_uri(p)) {
    register_rank_function(db.get());
    // Searches touch many FTS and entry pages; map the file instead of copying pages through
    // read() into a small page cache (that copying dominated search time at ~4,500 entries).
    db.exec("PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;");
  }
  Db db;
  StmtCache cache{db};  // after db: finalised before the connection closes
};

std::optional<size_t> files_if_not_newer(const fs::path& wiki_dir);
bool meta_is(StmtCache& cache, const char* key, const std::string& want);

}  // namespace

// The freshness test stats every entry file (~10 ms of system calls at 5,500 entries on the
// 2-core VM), so it runs on its own thread while the first query runs on an index that is
// probably fresh; no answer is returned before it has settled, and a stale index is rebuilt and
// the query asked again (docs/wiki.md, docs/results.md).
struct Index::Impl {
  fs::path wiki_dir;
  std::unique_ptr<Conn> conn;
  std::mutex mu;  // one user of the connection and its cached statements at a time
  std::future<std::optional<size_t>> scan;
  bool settled = false;

  /// Waits for the freshness scan; rebuilds and reopens a stale index. True when the index that
  /// was open is fresh. The caller holds mu.
  bool settle() {
    if (settled) return true;
    settled = true;
    std::optional<size_t> files = scan.get();
    if (files && meta_is(conn->cache, "files", std::to_string(*files))) return true;
    conn.reset();  // statements finalised before the file is replaced
    build_index(wiki_dir);
    conn = std::make_unique<Conn>(index_path(wiki_dir));
    return false;
  }

  /// Rebuilds and reopens an index that is fresh by its entry files but lacks a table or column
  /// the queries use: one written by another build of kda under the same schema number.
  void rebuild() {
    conn.reset();
    build_index(wiki_dir);
    conn = std::make_unique<Conn>(index_path(wiki_dir));
    settled = true;
  }
};

namespace {

bool is_schema_error(const Error& e) {
  const std::string what = e.what();
  return what.find("no such table") != std::string::npos || what.find("no such column") != std::string::npos;
}

}  // namespace

namespace {

bool meta_is(StmtCache& cache, const char* key, const std::string& want) {
  Stmt st = cache.stmt("SELECT value FROM meta WHERE key = ?");
  st.bind(1, std::string_view(key));
  return st.step() && st.view(0) == want;
}

// The slow, exact staleness test, for wikis the fast scan could not read completely.
bool stale_by_entry_files(const fs::path& wiki_dir, fs::file_time_type db_time, size_t& files) {
  auto list = entry_files(wiki_dir);
  files = list.size();
  for (auto& f : list) {
    std::error_code ec;
    auto t = fs::last_write_time(f, ec);
    if (ec || t > db_time) return true;
  }
  return false;
}

// The number of entry files when none is newer than the index; nullopt when the index is missing
// or older than one of them.
std::optional<size_t> files_if_not_newer(const fs::path& wiki_dir) {
  fs::path db_path = index_path(wiki_dir);
  EntryScan scan = scan_entry_files(wiki_dir);
  struct stat db_st;
  if (::stat(db_path.c_str(), &db_st) != 0) return std::nullopt;
  if (!scan.complete) {
    std::error_code ec;
    auto db_time = fs::last_write_time(db_path, ec);
    size_t files = 0;
    if (ec || stale_by_entry_files(wiki_dir, db_time, files)) return std::nullopt;
    return files;
  }
  const timespec& t = scan.newest;
  if (t.tv_sec > db_st.st_mtim.tv_sec || (t.tv_sec == db_st.st_mtim.tv_sec && t.tv_nsec > db_st.st_mtim.tv_nsec))
    return std::nullopt;
  return scan.files;
}

// Snippet terms: the words of every phrase in the match expression.
std::vector<std::string> phrase_words(const std::string& match) {
  std::vector<std::string> terms;
  bool in = false;
  std::string cur;
  for (char c : match) {
    if (c == '"') {
      if (in) {
        std::string w;
        for (char x : cur + " ") {
          if (x == ' ') {
            if (!w.empty()) terms.push_back(w);
            w.clear();
          } else {
            w += x;
          }
        }
        cur.clear();
      }
      in = !in;
    } else if (in) {
      cur += c;
    }
  }
  return terms;
}

}  // namespace

Index::Index(const fs::path& wiki_dir) : wiki_dir_(wiki_dir) {
  // Fresh: present, of this schema, not older than any entry file, and built from as many entry
  // files as there are now (an entry removed leaves no newer file behind). Otherwise (re)built.
  auto impl = std::make_unique<Impl>();
  impl->wiki_dir = wiki_dir;
  try {
    auto conn = std::make_unique<Conn>(index_path(wiki_dir));
    if (meta_is(conn->cache, "schema_version", std::to_string(kIndexSchemaVersion))) {
      impl->conn = std::move(conn);
      try {
        impl->scan = std::async(std::launch::async, files_if_not_newer, wiki_dir);
      } catch (const std::system_error&) {  // no thread to be had: scan when first needed
        impl->scan = std::async(std::launch::deferred, files_if_not_newer, wiki_dir);
      }
      impl_ = impl.release();
      return;
    }
  } catch (const Error&) {
    // missing, unreadable or foreign: rebuilt below, and a real fault is reported by that open
  }
  build_index(wiki_dir);
  impl->conn = std::make_unique<Conn>(index_path(wiki_dir));
  impl->settled = true;
  impl_ = impl.release();
}

Index::~Index() { delete impl_; }

namespace {

// One search on an open index: the top `limit` rows of the ranking statement, then what each hit
// shows and its snippet.
std::vector<Hit> run_search(Conn& c, const std::string& sql, const std::vector<std::string>& binds, int64_t limit,
                            const std::vector<std::string>& terms) {
  Stmt st = c.cache.stmt(sql);
  for (size_t i = 0; i < binds.size(); ++i) st.bind(static_cast<int>(i + 1), binds[i]);
  st.bind(static_cast<int>(binds.size() + 1), limit);
  std::vector<std::pair<int64_t, double>> top;  // rowid, score
  while (st.step()) top.emplace_back(st.integer(0), st.real(1));
  std::vector<Hit> out;
  std::vector<int64_t> rowids;
  Stmt row = c.cache.stmt(
      "SELECT id, title, kind, path, archs, techniques, draft, sources FROM entries WHERE rowid = ?");
  for (auto& [rowid, score] : top) {
    row.bind(1, rowid);
    if (row.step()) {
      Hit h = hit_from(row, false);
      h.score = score;
      for (auto& u : Json::parse(row.view(7))) h.sources.push_back(u.get<std::string>());
      out.push_back(std::move(h));
      rowids.push_back(rowid);
    }
    row.reset();
  }
  // The snippet is made here, linearly, from the stored text of the few hits (FTS5's snippet()
  // grew quadratically with the body: 37 s for a 1 MB entry).
  Stmt text = c.cache.stmt("SELECT body, summary FROM fts WHERE rowid = ?");
  for (size_t i = 0; i < out.size(); ++i) {
    Hit& h = out[i];
    text.bind(1, rowids[i]);
    if (text.step()) {
      h.snippet = make_snippet(text.view(0), terms);
      if (h.snippet.find('[') == std::string::npos) h.snippet = make_snippet(text.view(1), terms);
    }
    text.reset();
  }
  return out;
}

}  // namespace

std::vector<Hit> Index::search(const Query& q) const {
  std::vector<std::string> extra;
  if (!q.finding.empty()) {
    for (auto& t : techniques_for_finding(q.finding)) extra.push_back(t);
    extra.push_back(q.finding);
  }
  std::string match = fts_query(q.text, extra);
  if (match.empty()) {
    // Issue 18: an empty or stop-word-only question returned arbitrary entries with exit 0.
    fail(ErrorKind::kUsage, q.text.empty() ? std::string("kda wiki search: give a QUERY or --for-finding")
                                           : "kda wiki search: '" + q.text +
                                                 "' has no searchable words (only stop words or punctuation)");
  }
  std::vector<std::string> binds = {match};
  std::string where = filter_sql(q, binds);
  // Per matching row only the rank inputs (and the entry's filter columns when there are filters);
  // what a hit shows is read for the few hits afterwards.
  bool filtered = !where.empty() || !q.finding.empty();
  std::string sql = "SELECT fts.rowid, kda_rank(fts, r.prior, d.sz) AS score FROM fts "
                    "JOIN ranks r ON r.rowid = fts.rowid JOIN fts_docsize d ON d.id = fts.rowid ";
  if (filtered) sql += "JOIN entries e ON e.rowid = fts.rowid ";
  sql += "WHERE fts MATCH ?" + where + " ORDER BY ";
  if (!q.finding.empty()) {
    sql += "(e.symptoms LIKE '%,' || ? || ',%') DESC, ";
    binds.push_back(q.finding);
  }
  sql += "score LIMIT ?";
  std::vector<std::string> terms = phrase_words(match);
  int64_t limit = q.limit > 0 ? q.limit : 10;
  std::lock_guard<std::mutex> lock(impl_->mu);
  bool was_settled = impl_->settled;
  std::vector<Hit> hits;
  try {
    hits = run_search(*impl_->conn, sql, binds, limit, terms);
  } catch (const Error& e) {
    if (!was_settled && !impl_->settle()) return run_search(*impl_->conn, sql, binds, limit, terms);  // was stale
    if (!is_schema_error(e)) throw;  // any other fault of a fresh index is real
    impl_->rebuild();
    return run_search(*impl_->conn, sql, binds, limit, terms);
  }
  if (!was_settled && !impl_->settle()) hits = run_search(*impl_->conn, sql, binds, limit, terms);
  return hits;
}

std::vector<Problem> Index::problems() const {
  std::vector<Problem> out;
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->settle();
  Stmt st = impl_->conn->cache.stmt("SELECT file, line, message FROM problems ORDER BY rowid");
  while (st.step()) out.push_back({st.text(0), static_cast<int>(st.integer(1)), st.text(2)});
  return out;
}

std::vector<Hit> Index::list(const Query& q) const {
  std::vector<std::string> binds;
  std::string where = filter_sql(q, binds);
  std::string sql = "SELECT e.id, e.title, e.kind, e.path, e.archs, e.techniques, e.draft FROM entries e WHERE 1" +
                    where + " ORDER BY e.draft, e.id";
  if (q.limit > 0) sql += " LIMIT " + std::to_string(q.limit);
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->settle();
  Stmt st = impl_->conn->cache.stmt(sql);
  for (size_t i = 0; i < binds.size(); ++i) st.bind(static_cast<int>(i + 1), binds[i]);
  std::vector<Hit> out;
  while (st.step()) out.push_back(hit_from(st, false));
  return out;
}

std::optional<Json> Index::get(const std::string& id) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->settle();
  Stmt st = impl_->conn->cache.stmt("SELECT d.json, e.path, e.dup_of FROM entries e JOIN docs d ON d.rowid = e.rowid WHERE e.id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  Json j = Json::parse(st.view(0));
  j["path"] = st.text(1);
  if (!st.text(2).empty()) j["duplicate_of"] = st.text(2);
  return j;
}

Json Index::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->settle();
  const Db& db = impl_->conn->db;
  Json j = {{"schema_version", kIndexSchemaVersion}};
  Stmt total(db,
             "SELECT count(*), coalesce(sum(draft), 0), coalesce(sum(ns <> ''), 0), "
             "coalesce(sum(draft = 0 AND ns = ''), 0) FROM entries");
  total.step();
  j["entries"] = total.integer(0);
  j["drafts"] = total.integer(1);
  j["imported"] = total.integer(2);
  j["curated"] = total.integer(3);  // our own entries that are not drafts
  Json kinds = Json::object();
  Stmt k(db, "SELECT kind, count(*) FROM entries GROUP BY kind ORDER BY kind");
  while (k.step()) kinds[k.text(0)] = k.integer(1);
  j["by_kind"] = kinds;
  std::map<std::string, int64_t> archs, repos, techs, spaces;
  Stmt a(db, "SELECT archs, repos, techniques, ns FROM entries");
  while (a.step()) {
    for (auto& x : split_csv(a.text(0))) ++archs[x];
    for (auto& x : split_csv(a.text(1))) ++repos[x];
    for (auto& x : split_csv(a.text(2))) ++techs[x];
    ++spaces[a.text(3).empty() ? "local" : a.text(3)];
  }
  j["by_architecture"] = archs;
  j["by_source_repo"] = repos;
  j["by_technique"] = techs;
  j["by_namespace"] = spaces;
  // Freshness: the index is brought up to date when opened, so these describe the state now.
  Json fresh = {{"index", index_path(wiki_dir_).string()}, {"entry_files", entry_files(wiki_dir_).size()}};
  Stmt m(db, "SELECT value FROM meta WHERE key = 'built_at'");
  if (m.step()) fresh["built_at_unix"] = std::stoll(m.text(0));
  auto newest = fs::file_time_type::min();
  std::error_code ec;
  for (auto& f : entry_files(wiki_dir_)) newest = std::max(newest, fs::last_write_time(f, ec));
  Stmt files(db, "SELECT value FROM meta WHERE key = 'files'");
  bool same_count = files.step() && files.text(0) == std::to_string(fresh["entry_files"].get<size_t>());
  fresh["up_to_date"] = fs::last_write_time(index_path(wiki_dir_)) >= newest && same_count;
  Stmt np(db, "SELECT count(*) FROM problems");
  np.step();
  fresh["problems"] = np.integer(0);
  Stmt nd(db, "SELECT count(*) FROM entries WHERE dup_of <> ''");
  nd.step();
  j["duplicate_drafts"] = nd.integer(0);
  j["index"] = fresh;
  return j;
}

}  // namespace kda::wiki
