// raw_page: reads `ncu --csv --page raw --print-units base` (one row per launch, one column per
// metric, a units row under the header) into Kernels. Contract: columns found by name; cells that
// are not numbers (strings, per-instance lists) are skipped; a row whose width differs from the
// header's is an error naming FILE:LINE. Also reads `--print-metric-instances values` pages,
// keeping each metric's instance list for timeline.h.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "profile/csv.h"
#include "profile/model.h"

namespace kda::profile {

struct RawPage {
  std::vector<Kernel> kernels;
  /// Per kernel (same order), metric name -> per-instance values, when the page has them.
  std::vector<std::map<std::string, std::vector<double>>> instances;
};

RawPage read_raw_page(const CsvTable& csv);

}  // namespace kda::profile
