// details_page: reads `ncu --csv --page details` (one row per section metric or rule result)
// into Kernels. Contract: columns found by name; a launch is identified by its "ID"; metric
// values are stored as "Section/Metric Name" with times converted to ns; rule rows become
// ToolRules with Nsight's estimated speedup. Missing sections are fine; a row narrower than the
// header is an error naming FILE:LINE.
#pragma once

#include <vector>

#include "profile/csv.h"
#include "profile/model.h"

namespace kda::profile {

std::vector<Kernel> read_details_page(const CsvTable& csv);

/// Adds the details' metrics and rules to `into` (kernels from the raw page), matching by ID,
/// or appends them when `into` has no kernel with that ID.
void merge_details(std::vector<Kernel>& into, std::vector<Kernel> details);

}  // namespace kda::profile
