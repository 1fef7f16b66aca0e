// metric_table: the kda quantities (duration, SOL %, occupancy, stall ratios, ...) and for each
// the candidate tool metric names, tried in order, because names differ between architectures
// and ncu versions, and AMD's names apart. Contract: resolve() fills Kernel::quantities from
// Kernel::metrics and lists in Kernel::missing every quantity the kernel's tool can report but
// this report lacks; it never fails.
#pragma once

#include <string>
#include <vector>

#include "profile/model.h"

namespace kda::profile {

struct QuantityDef {
  std::string name;
  std::vector<std::string> candidates;  ///< ncu names (metrics, or "Section/Metric" of the details page)
  std::vector<std::string> amd = {};    ///< rocprof names (counters or rocprof.h's derived values)
};

/// The table. A kernel is resolved against its tool's names only (Kernel::tool), and a quantity
/// its tool has no name for is never listed as missing.
const std::vector<QuantityDef>& quantity_table();
/// Stall reasons known to the table; quantity "stall.<reason>" is warps stalled per issue.
const std::vector<std::string>& stall_reasons();

void resolve(Kernel& k);

}  // namespace kda::profile
