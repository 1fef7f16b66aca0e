// kda wiki ingest-git: walk a repository's recent history with libgit2 (bare mirrors work),
// select kernel-relevant commits by path and keyword, and write draft source-pr entries with
// machine metadata (files, diff size, detected techniques and architectures) for a person or an
// agent to summarise. Dedupes by PR and commit; existing drafts are kept, so runs are resumable.
// The whole history window is read before anything is written: an unreadable object anywhere in
// it fails the run with the wiki untouched.
#pragma once

#include <cstddef>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "wiki/entry.h"

namespace kda::wiki {

struct IngestOptions {
  std::filesystem::path repo_path;
  std::filesystem::path wiki_dir;
  int months = 24;
  std::string repo_name;         ///< owner/name; default: parsed from the 'origin' remote URL
  bool include_message = false;  ///< copy the full commit message into the draft body
  /// Only commits touching a path under one of these prefixes (e.g. "third_party/amd/" for
  /// the ROCm Triton backend); files under them count as kernel sources.
  std::vector<std::string> paths;
  std::time_t now = 0;           ///< 0: the current time
  /// Called every 256 commits with the drafts prepared so far, and once at the end with those written.
  std::function<void(size_t scanned, size_t drafts)> progress;
};

struct IngestStats {
  size_t scanned = 0, selected = 0, written = 0, existing = 0, duplicate_pr = 0;
  double seconds = 0;
  std::filesystem::path out_dir;
};

/// Throws kda::Error(kInput) for a path that is not a git repository, a shallow clone (history
/// incomplete) or unreadable objects (commits, trees or blobs of the walked window) — before any
/// draft is written; kUsage when the repository name cannot be determined.
IngestStats ingest_git(const IngestOptions& opts);

/// `kda wiki check --git owner/name=PATH`: every code source of `repos`' repositories that cites a
/// commit must name a commit present in the local repository or mirror given for it. Returns one
/// problem per missing or ambiguous commit — except in a shallow clone, where a commit it lacks may
/// just be older than its history: one problem for that clone says so, with how many cited commits
/// it could not verify. Throws kda::Error(kInput) when a PATH is not a git repository.
std::vector<Problem> verify_commits(const std::vector<Entry>& entries,
                                    const std::map<std::string, std::filesystem::path>& repos);

/// Whether lower-case `needle` occurs in lower-case `text` as a whole word: not inside a longer
/// word ("umma" is not in "summary"); a trailing '*' allows more letters after it ("vectoriz*").
bool contains_word(std::string_view text, std::string_view needle);

/// Techniques, kernel types and architectures that ingest-git detects in lower-case text.
struct DetectedTags {
  std::vector<std::string> techniques, kernel_types, architectures;
};
DetectedTags detect_tags(const std::string& lower_text);

/// The keywords that make ingest-git tag a technique ("tcgen05" -> tcgen05, umma, 2cta).
std::vector<std::string> technique_keywords(const std::string& technique);

/// What a commit message says: subject, the description without trailers and template
/// boilerplate (at most ~3,000 bytes, valid UTF-8), and benchmark figures found in it.
struct CommitText {
  std::string subject, description;
  bool description_cut = false;
  std::vector<std::string> figures;  ///< "1.7x", "35%", "120 us", "900 TFLOPS"
};
CommitText read_commit_text(const std::string& message);

/// PR number from a commit message ("... (#123)", "Merge pull request #123 from ..."), or -1.
long pr_from_message(const std::string& message);

/// "https://github.com/owner/name.git" / "git@github.com:owner/name" -> "owner/name", or "".
std::string repo_from_url(const std::string& url);

}  // namespace kda::wiki
