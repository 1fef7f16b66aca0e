// metric_table: the kda quantities (duration, SOL %, occupancy, stall ratios, ...) and for each
// the candidate tool metric names, tried in order, because names differ between architectures
// and ncu versions. Contract: resolve() fills Kernel::quantities from Kernel::metrics and lists
// every quantity none of whose candidates exist in Kernel::missing; it never fails.
#pragma once

#include <string>
#include <vector>

#include "profile/model.h"

namespace kda::profile {

struct QuantityDef {
  std::string name;
  std::vector<std::string> candidates;
};

/// The table (ncu and rocprof names together; a kernel has only one tool's).
const std::vector<QuantityDef>& quantity_table();
/// Stall reasons known to the table; quantity "stall.<reason>" is warps stalled per issue.
const std::vector<std::string>& stall_reasons();

void resolve(Kernel& k);

}  // namespace kda::profile
