// Text from outside kda (a candidate's stdout/stderr, a compiler's diagnostics, an agent's
// transcript) may hold any bytes; JSON strings must be UTF-8, and nlohmann's dump() throws on
// anything else (issue 14 §4: one candidate printing 0xff made every `kda eval` and `kda resume`
// of its run exit 70). These helpers make such text valid before it enters JSON.
#pragma once

#include <string>
#include <string_view>

#include "core/json_io.h"

namespace kda {

/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// `s` with each ill-formed sequence replaced by U+FFFD (one per maximal invalid subpart, as
/// Unicode §3.9 recommends); valid text is returned unchanged.
std::string valid_utf8(std::string_view s);

/// j.dump(indent) that never throws on invalid UTF-8 in a string (replaced by U+FFFD).
std::string dump_json(const Json& j, int indent = -1);

}  // namespace kda
