// The report page (docs/report.md): one self-contained HTML file — styles, Chart.js (embedded
// into kda at build time from web/node_modules, its licence beside it) and web/report.js
// inlined, the model in a JSON script block — so it opens from disk with no network.
#pragma once

#include <string>

#include "core/json_io.h"

namespace kda::report {

/// The static report of `model` (build_model's output, trace bodies included).
std::string render_html(const Json& model);

/// The live page of `kda serve`: no model inside; it fetches /api/report with `token`.
std::string render_live_html(const std::string& token);

/// JSON text safe inside <script type="application/json">: every '<' becomes \u003c (in JSON a
/// '<' can only occur inside a string, where the escape means the same character).
std::string script_json(const Json& j);

}  // namespace kda::report
