// Ranking and display helpers for the search index (issue 18: good ranking over thousands of
// pages). SQLite's built-in bm25() normalises every column by the length of the whole row, so a
// title match on a long reference page counted less than a body match on a short PR record; at
// 10,000 entries the curated pages sank. kda_rank is BM25F instead: each column is normalised by
// its own length against its own average, the body only gently, and the entry's prior (curated
// kind and confidence above machine drafts) scales the result.
#pragma once

#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace kda::wiki {

/// FTS5 columns of the index, in order, with their BM25F weight and length normalisation b.
struct RankColumn {
  const char* name;
  double weight, b;
};
const std::vector<RankColumn>& rank_columns();

/// Registers the FTS5 auxiliary function kda_rank(fts, prior [, sz]) on db: minus the BM25F
/// score times prior (lower is better, as with bm25()). sz, when given, is the row's record in
/// the table's fts_docsize shadow table (its column lengths), which a query can join in far more
/// cheaply than FTS5 reads it per row. Throws kda::Error(kEnvironment) without FTS5.
void register_rank_function(sqlite3* db);

/// Space-separated overlapping bigrams of every CJK run in text (a lone character stays alone),
/// so that unicode61 (which makes one token of a whole run) can match words inside a run.
std::string cjk_bigrams(std::string_view text);

/// Splits a query into its CJK runs (returned) and the rest (CJK replaced by spaces).
std::vector<std::string> cjk_runs(std::string_view text, std::string& rest);

/// A short extract of text around the densest cluster of the terms (lower-case words; CJK
/// strings matched as substrings), matches in [brackets]. Linear in the text (the FTS5
/// snippet() of a 1 MB body took 37 s), and never longer than about 200 bytes.
std::string make_snippet(std::string_view text, const std::vector<std::string>& terms);

}  // namespace kda::wiki
