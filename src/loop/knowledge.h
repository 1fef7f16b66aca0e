// knowledge: what the wiki says about a round's findings and the task's op (docs/loop.md,
// "Knowledge in the loop"). For each of the first three distinct finding categories, the
// entries `kda wiki search --for-finding CATEGORY` gives (the category's pattern page first);
// then the entries about the task's op type. Each hit says why it matches. The wiki is advice:
// a missing or broken one gives no hits and never stops a round.
#pragma once

#include <filesystem>
#include <string>

#include "core/json_io.h"

namespace kda::loop {

/// The wiki the loop reads: $KDA_WIKI, else the source tree's wiki/.
std::filesystem::path loop_wiki_dir();

/// `findings`: the writer context's findings ([{"id", "category", ...}], best first). Returns
/// [{"id", "title", "kind", "why", "finding"?}], pattern pages first, at most `limit`.
Json wiki_hits(const std::filesystem::path& wiki_dir, const std::string& op_type, const Json& findings, int limit = 6);

}  // namespace kda::loop
