// rocprof: reads rocprof-compute (omniperf) `pmc_perf.csv` (one row per dispatch, one column per
// counter) and rocprofv3 kernel-trace CSV into the same Kernel model, deriving the quantities
// the diagnosis uses where the counters exist: duration, workgroups, VGPRs, LDS bank-conflict
// rate, HBM bandwidth (% of sysinfo's hbm_bw), VALU active-thread ratio, MFMA busy %.
// Contract: columns by name; counters split per channel ("TCC_HIT[3]") are skipped when their
// "_sum" exists; absent counters leave the quantity missing (reported, never invented).
#pragma once

#include <vector>

#include "profile/csv.h"
#include "profile/model.h"

namespace kda::profile {

/// `sysinfo` (rocprof-compute sysinfo.csv) may be null; it supplies CU count and HBM peak.
std::vector<Kernel> read_rocprof(const CsvTable& pmc, const CsvTable* sysinfo = nullptr);

}  // namespace kda::profile
