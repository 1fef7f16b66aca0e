// The controlled vocabulary: kinds and their id prefixes, confidence levels, architectures,
// aliases that search expands (Hopper -> sm90, UMMA -> tcgen05) and the map from the profiler's
// finding categories (DESIGN §5) to the techniques that address them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kda::wiki {

/// The id prefix required for a kind ("technique" -> "technique-"), or "" if the kind is unknown.
std::string kind_prefix(std::string_view kind);
const std::vector<std::string>& known_kinds();
const std::vector<std::string>& confidence_levels();
const std::vector<std::string>& reproducibility_levels();
const std::vector<std::string>& finding_categories();

/// Canonical architecture name: "sm_90" / "SM90a" / "hopper" / "H100" -> "sm90" (+ "a" kept
/// when given as sm90a), "mi300x" -> "gfx942". Returns "" when the name is not known.
std::string canonical_arch(std::string_view name);

/// Lower-cased term plus the terms it is an alias of / for ("umma" -> {"umma","tcgen05"}).
std::vector<std::string> expand_term(std::string_view term);

/// True when a run of several words ("tensor memory", "top k") is itself a vocabulary term or
/// alias, so search keeps it together instead of matching its words one by one.
bool is_vocab_phrase(std::string_view words);

/// The family an architecture belongs to ("sm90" -> "Hopper", "gfx942" -> "CDNA3"), or "".
std::string arch_family(std::string_view arch);

/// Techniques that address a finding category; empty if the category is unknown.
std::vector<std::string> techniques_for_finding(std::string_view category);

std::string lower(std::string_view s);

}  // namespace kda::wiki
