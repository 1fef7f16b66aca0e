// diagnose: turns a resolved Kernel (metric_table.h) into ranked findings in the fixed category
// vocabulary of DESIGN §5. Contract: rules read quantities only (never kernel names); a finding
// fires only when metric evidence supports it, and cites the values with their thresholds;
// when one of the tool's own rules maps to the same category its estimated speedup is used
// ("nsight"), otherwise kda's own estimate ("kda"); findings are ranked by estimated speedup;
// a kernel at its roofline gets `near-roofline` first and only findings worth >= 10 %.
// Six dimensions are examined for every kernel: occupancy, load balance, warp stalls,
// tensor-core use, timeline, memory (Kernel::quantities records what was looked at).
#pragma once

#include <string>
#include <vector>

#include "profile/model.h"

namespace kda::profile {

/// The category vocabulary, in DESIGN §5 order.
const std::vector<std::string>& categories();

/// Fills k.findings (ranked). Call resolve() first.
void diagnose(Kernel& k);

/// The tool rule -> category mapping used for speedups (empty when the rule has none).
std::string category_of_rule(const ToolRule& rule, const Kernel& k);

}  // namespace kda::profile
