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

/// The cached peaks, or `measure()`d (and cached) when there are none.
Peaks load_or_measure_peaks(const Json& device, const std::function<Json()>& measure);
/// Measures now and returns, per figure, the higher of the cached and the fresh value (caching
/// it). The judge calls this before it rejects a time as below the roofline floor.
Peaks remeasure_peaks(const Json& device, const std::function<Json()>& measure);

/// max(bytes / bandwidth, flops / rate) in ms from kda.bytes / kda.flops; 0 when unknown.
double roofline_floor_ms(const Definition& d, const std::map<std::string, int64_t>& axes, const Peaks& p);

}  // namespace kda
