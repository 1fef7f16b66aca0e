// kda wiki import: load a KernelWiki-format knowledge base (the layout of mit-han-lab/KernelWiki
// and its forks: sources/{prs,docs,blogs,contests}/ and wiki/{hardware,techniques,kernels,
// patterns,languages,migration}/ Markdown pages with YAML front matter, data/tags.yaml and
// data/aliases.yaml) without changing it. Every page becomes one of our entries under
// WIKI/imported/<namespace>/ (same relative path): its front matter is mapped onto ours, its body
// is kept byte for byte, and its whole original front matter is kept under `upstream:` so no field
// is lost. Ids live in the namespace ("kernelwiki.technique-swizzling"), so they never clash with
// ours; the page type still fixes the id prefix. docs/wiki.md describes the mapping.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "wiki/entry.h"

namespace kda::wiki {

struct ImportOptions {
  std::filesystem::path source_dir;  ///< the KernelWiki checkout (its root)
  std::filesystem::path wiki_dir;    ///< our wiki
  std::string ns = "kernelwiki";     ///< namespace for ids and the output directory
};

struct ImportReport {
  size_t found = 0;              ///< Markdown pages under sources/ and wiki/
  size_t upstream_accepted = 0;  ///< pages that pass the upstream validator's page rules
  size_t imported = 0;           ///< pages written as entries
  size_t imported_of_accepted = 0;
  std::vector<Problem> upstream_rejected;  ///< why the upstream rules reject a page (imported or not)
  std::vector<Problem> skipped;            ///< pages that could not be imported, with the reason
  std::vector<Problem> unresolved;         ///< source ids of wiki pages that name no record (dropped)
  std::vector<Problem> truncated;          ///< bodies cut to the entry size limit
  /// Anything lost: a skipped page or an unresolved source id (kda wiki import exits 1 then).
  bool lossy() const { return !skipped.empty() || !unresolved.empty(); }
  double seconds = 0;
  std::filesystem::path out_dir;
};

/// Imports the knowledge base. Throws kda::Error(kInput) when source_dir is not a KernelWiki-format
/// tree (no sources/ or wiki/ directory), two pages share an id (nothing is imported then), or the
/// namespace is not a plain name; kNotFound when it
/// does not exist. The previous import of the same namespace is replaced only once every converted
/// page has been written and re-read successfully; the index is then rebuilt (atomically).
ImportReport import_kernelwiki(const ImportOptions& opts);

/// The upstream validator's per-page rules (frontmatter, page type, required fields per type, id
/// prefix, list fields, controlled vocabulary, confidence and reproducibility levels, structured
/// performance claims, source ids that resolve, Hopper-only pages needing blackwell_relevance,
/// duplicate ids), reimplemented: returns the problems found in each page of source_dir.
std::vector<Problem> kernelwiki_page_problems(const std::filesystem::path& source_dir);

}  // namespace kda::wiki
