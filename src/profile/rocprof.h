// rocprof: reads AMD counter tables into the same Kernel model as ncu:
// - rocprof-compute (omniperf) `pmc_perf.csv`: wide, one row per dispatch, one column per counter;
//   its extra level passes (`SQ_LEVEL_WAVES.csv`, ...) are merged into their dispatch;
// - rocprofv3 `counter_collection.csv`: long, one row per counter per dispatch (Counter_Name,
//   Counter_Value beside Dispatch_Id, Kernel_Name, Grid_Size, Workgroup_Size, VGPR_Count, ...),
//   pivoted into one kernel per dispatch;
// - rocprofv3 kernel trace (one row per dispatch, no counters).
// It derives the quantities the diagnosis uses where the counters exist: duration, launch shape,
// VGPRs, LDS bank-conflict rate and LDS utilization, HBM bytes/s and % of sysinfo's hbm_bw, VALU
// active-thread ratio, MFMA busy %, VALU FLOP/s, achieved occupancy, and roofline peaks from
// rocprof-compute's roofline.csv. Contract: columns by name; counters split per channel
// ("TCC_HIT[3]") are skipped; absent counters leave the quantity missing (reported, never invented).
#pragma once

#include <string>
#include <vector>

#include "profile/csv.h"
#include "profile/model.h"

namespace kda::profile {

/// The device the counters came from; every field is optional (0 / empty when unknown).
struct RocprofDevice {
  std::string gpu_model;         ///< sysinfo gpu_model, e.g. "MI200"
  double cu = 0;                 ///< compute units (cu_per_gpu)
  double hbm_gbs = 0;            ///< HBM peak from sysinfo (hbm_bw, GB/s)
  double num_xcd = 1;            ///< GRBM_GUI_ACTIVE counts every XCD
  double max_waves_per_cu = 0;
  double wave_size = 0;
  double roof_fp32_gflops = 0;   ///< roofline.csv FP32Flops (measured peak, GFLOP/s), device 0
  double roof_hbm_gbs = 0;       ///< roofline.csv HBMBw (measured peak, GB/s), device 0
};

/// `sysinfo` (rocprof-compute sysinfo.csv) and `roofline` (its roofline.csv) may be null.
RocprofDevice read_rocprof_device(const CsvTable* sysinfo, const CsvTable* roofline);

/// The tables of one profiling run (a main table and any extra passes); rows of the same dispatch
/// (Dispatch_ID and kernel name) in several tables become one kernel.
std::vector<Kernel> read_rocprof(const std::vector<const CsvTable*>& tables, const RocprofDevice& device = {});

}  // namespace kda::profile
