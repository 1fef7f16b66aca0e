// Device peaks for the roofline floor (DESIGN §4 rule 5): measured per device (copy bandwidth
// counting bytes read + written, FMA rate, tensor peak where known; each the best of several
// passes) by a runner and cached in cache_dir()/devices/<hash of device identity>.json
// (versioned). Load can only lower a measured rate, and a lower rate raises the floor, so the
// cache keeps the highest figure ever measured: a fresh measurement that is higher replaces it.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "core/json_io.h"
#include "task/definition.h"

namespace kda {

struct Peaks {
  double bandwidth_gbs = 0;  ///< 0: unknown
  double gflops = 0;  ///< the highest rate any kernel could reach (tensor or declared vector peak if known)
  Json raw;
};

/// Vendor datasheet peaks of one GPU model: the roofline's ceiling for any figure that no
/// calibration has produced (docs/amd.md lists the sources). Bandwidth counts bytes read plus
/// written, as copy_bandwidth_gbs does.
struct DatasheetPeaks {
  const char* model;            ///< matched as a substring of the device's name ("MI300X")
  double hbm_gbs;               ///< peak memory bandwidth, GB/s
  double vector_fp32_gflops;    ///< peak FP32 vector (non-matrix) rate
  double matrix_dense_gflops;   ///< peak dense matrix rate of the fastest dtype
  const char* source;           ///< where the figures come from
};
/// The table's row for a device name (AMD Instinct MI300X, MI325X, MI355X, MI250X), or nullptr.
const DatasheetPeaks* datasheet_peaks(const std::string& device_name);

/// The cached peaks, or `measure()`d (and cached) when there are none. A rate the calibration
/// did not produce (0 or absent) is taken from datasheet_peaks() where the device is in it.
Peaks load_or_measure_peaks(const Json& device, const std::function<Json()>& measure);
/// Measures now and returns, per figure, the higher of the cached and the fresh value (caching
/// it). The judge calls this before it rejects a time as below the roofline floor.
Peaks remeasure_peaks(const Json& device, const std::function<Json()>& measure);

/// max(bytes / bandwidth, flops / rate) in ms from kda.bytes / kda.flops; 0 when unknown.
double roofline_floor_ms(const Definition& d, const std::map<std::string, int64_t>& axes, const Peaks& p);

}  // namespace kda
