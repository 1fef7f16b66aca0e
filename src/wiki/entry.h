// A knowledge-base entry: a Markdown file whose YAML front matter carries the machine-readable
// fields (DESIGN §6) and whose body is the human summary. The Markdown files are the source of
// truth; everything else (the search index) is rebuilt from them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kda::wiki {

inline constexpr int kEntrySchemaVersion = 1;

/// Where a claim comes from: upstream code (repo + PR or commit + URL) or a document (URL).
struct Source {
  std::string type;  ///< "code" (default), "doc", "blog", or "upstream-page" (imported entries only)
  std::string repo;  ///< owner/name
  std::optional<long> pr;
  std::string commit;
  std::string url;
  std::string date;
  std::string title;
  std::string path;  ///< "upstream-page": the page's path inside the imported knowledge base
};

struct PerformanceClaim {
  std::string gpu, dtype, shape, metric, value, source;
};

struct Entry {
  int schema_version = kEntrySchemaVersion;
  std::string id, title, kind;
  std::vector<std::string> architectures, kernel_types, techniques, hardware_features;
  std::vector<std::string> symptoms;  ///< pattern pages: profiler finding categories
  std::vector<std::string> links;     ///< ids of related entries
  std::vector<std::string> tags;      ///< free search terms (imported pages: their tags and aliases)
  /// Imported pages (kda wiki import): the namespace their ids live in ("kernelwiki"); the id is
  /// "<namespace>.<upstream id>" and the kind prefix applies to the upstream id.
  std::string ns;
  std::string upstream;  ///< imported pages: the original front matter, verbatim YAML (unknown fields kept)
  std::string confidence;
  std::string reproducibility;
  std::vector<PerformanceClaim> performance_claims;
  std::vector<Source> sources;
  bool draft = false;
  std::string summary;  ///< front-matter `summary`, else the body's first paragraph
  std::string body;
  std::filesystem::path path;  ///< the file it was read from
  int body_line = 1;           ///< 1-based line where the body starts
};

/// One problem found in a file, with its 1-based line (0 when it concerns the whole file).
struct Problem {
  std::filesystem::path file;
  int line = 0;
  std::string message;
  std::string to_string() const;
};

/// Parses one entry. Structural problems (no front matter, bad YAML, wrong types, missing or
/// invalid fields) are appended to `problems`; returns nullopt when the entry is unusable.
std::optional<Entry> parse_entry(const std::filesystem::path& file, const std::string& text,
                                 std::vector<Problem>& problems);

/// The largest entry file kda reads (docs/wiki.md, "Size limit"): bigger files are skipped with a
/// problem before they are read (issue 18: a 4 MB entry made one search take minutes).
inline constexpr size_t kMaxEntryBytes = 1 << 20;

/// Every *.md under dir (excluding README.md, dot-directories and files starting with '_'),
/// sorted by path. Directory symlinks are not followed; a file symlink that cannot be resolved
/// (a loop, a dangling target) or a directory that cannot be read is reported in `problems`
/// (when given) and left out instead of stopping the walk.
std::vector<std::filesystem::path> entry_files(const std::filesystem::path& dir,
                                               std::vector<Problem>* problems = nullptr);

/// Checks the raw bytes of an entry file before YAML sees them: binary content (NUL bytes) and
/// invalid UTF-8 are problems naming the line. Returns false when the file is unusable.
bool check_entry_bytes(const std::filesystem::path& file, const std::string& text, std::vector<Problem>& problems);

struct LoadResult {
  std::vector<Entry> entries;       ///< the usable entries; a bad one is left out, never fatal
  std::vector<std::string> hashes;  ///< sha256 of each entry's file, parallel to entries
  std::vector<Problem> problems;    ///< everything wrong, each naming file and line
  size_t files = 0;                 ///< entry files found (usable or not)
};

/// Parses every entry under dir and runs the cross-entry checks (ids unique, links resolve).
/// Nothing in one file stops the others: an unreadable, oversized, binary, non-UTF-8 or invalid
/// file, and the second holder of a duplicate id, are left out with a problem; a link that does
/// not resolve is a problem but keeps its entry.
LoadResult load_wiki(const std::filesystem::path& dir);

/// The date of an entry: the latest source date (YYYY-MM-DD...), or "".
std::string entry_date(const Entry& e);

/// Renders an entry back to Markdown with front matter (used by ingest-git, import and `add`);
/// parse_entry(render_entry(e)) gives back the same fields.
std::string render_entry(const Entry& e);

/// `kda wiki add`: writes a new entry into wiki_dir (under the kind's folder: techniques/,
/// kernels/, sources/, ...). An empty id gets a fresh one: the kind's prefix plus a slug of the
/// title, with -2, -3, ... when taken. The entry is validated like every other one (parse_entry on
/// its rendering, links resolve) before anything is written. Throws kda::Error(kInput) listing the
/// problems, for an id already in use, or for a source-pr whose PR another entry already records.
std::filesystem::path add_entry(const std::filesystem::path& wiki_dir, Entry e);

}  // namespace kda::wiki
