// The search index: SQLite FTS5 (BM25 over title, summary, body and techniques) at
// WIKI_DIR/.index/wiki.db. It is a cache of the Markdown files: rebuilt incrementally by content
// hash, always built into a temporary database and renamed into place, so invalid input leaves
// the previous index untouched.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json_io.h"
#include "wiki/entry.h"

namespace kda::wiki {

inline constexpr int kIndexSchemaVersion = 4;

struct IndexStats {
  size_t added = 0, updated = 0, removed = 0, unchanged = 0;
  double seconds = 0;
  std::vector<Problem> problems;  ///< entries left out (and links that do not resolve)
};

std::filesystem::path index_path(const std::filesystem::path& wiki_dir);

/// Validates the whole wiki and (re)indexes the usable entries; each bad one is left out and
/// its problem (file:line: message) returned and stored with the index, so that a search can
/// warn about it. The index is built in a temporary database and renamed into place.
IndexStats build_index(const std::filesystem::path& wiki_dir, bool full_rebuild = false);

/// The ranking prior of an entry: curated kinds above imported pages above source records,
/// by confidence, drafts at half (docs/wiki.md, "Ranking").
double entry_prior(const Entry& e);

/// Drafts recording a PR that a non-draft source-pr entry also records: draft id -> that id.
std::map<std::string, std::string> duplicate_drafts(const std::vector<Entry>& entries);

struct Query {
  std::string text;
  std::string arch, kind, technique, finding, repo;
  std::string op;            ///< kernel type / op (topk, attention, gemm, ...), aliases expanded
  std::string since, until;  ///< YYYY-MM-DD bounds on the entry date (latest source date)
  std::string ns;            ///< imported namespace ("kernelwiki"); "local" for our own entries
  bool include_drafts = true;
  bool include_unknown_arch = false;  ///< with arch: also entries whose architecture is not stated
  int limit = 10;
};

struct Hit {
  std::string id, title, kind, path, snippet;
  std::vector<std::string> architectures, techniques;
  bool draft = false;
  double score = 0;  ///< -BM25F x prior (lower is better)
  std::vector<std::string> sources;  ///< source URLs (or upstream page paths)
};

/// An open index for repeated queries (the CLI opens one per command; benchmarks reuse it).
class Index {
 public:
  /// Opens the index; (re)builds it first when it is missing or of another schema. Whether it is
  /// older than an entry file (or the number of entries changed) is checked on a thread of its
  /// own beside the first query; every answer waits for that check, and a stale index is rebuilt
  /// and the query asked again, so callers always see the entries as they are now.
  explicit Index(const std::filesystem::path& wiki_dir);
  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;
  std::vector<Hit> search(const Query& q) const;
  /// The stored entry (front matter as JSON plus body), or nullopt.
  std::optional<Json> get(const std::string& id) const;
  std::vector<Hit> list(const Query& filters) const;
  /// Counts by kind, architecture, technique, source repository and namespace, drafts vs
  /// curated, and the index's freshness (when built, entries indexed vs entry files now).
  Json stats() const;
  /// Problems recorded by the last build: entries left out of the index, with file and line.
  std::vector<Problem> problems() const;

 private:
  struct Impl;
  Impl* impl_;
  std::filesystem::path wiki_dir_;
};

/// The FTS5 MATCH expression for free text: stop words dropped, aliases expanded, OR-joined.
std::string fts_query(const std::string& text, const std::vector<std::string>& extra_terms = {});

Json entry_to_json(const Entry& e);

}  // namespace kda::wiki
