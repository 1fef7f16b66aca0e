// roofline: achieved FLOP/s and DRAM bytes/s against the device's peaks, arithmetic intensity
// and which roof binds. Contract: ncu's figures come from its raw counters, other tools' from the
// resolved quantities flops_per_s, dram_bytes_per_s, peak_flops_per_s and peak_bytes_per_s (for
// AMD: VALU FLOPs, HBM bytes, rocprof-compute's measured roofline.csv peaks); peaks the report
// lacks come from a small per-device table (by display name); absent data leaves fields at 0.
#pragma once

#include <string>

#include "profile/model.h"

namespace kda::profile {

struct Roofline {
  double flops_per_s = 0;       ///< fp32 (FMA counted as 2) + fp16 + fp64 scalar
  double bytes_per_s = 0;       ///< DRAM
  double peak_flops_per_s = 0;  ///< fp32 non-tensor
  double peak_bytes_per_s = 0;
  double intensity = 0;         ///< FLOP per DRAM byte
  double ridge = 0;             ///< intensity where the roofs meet
  std::string bound;            ///< "memory", "compute" or "" when unknown
  double pct_of_roof = 0;       ///< achieved / the binding roof at this intensity, %
};

Roofline compute_roofline(const Kernel& k);

}  // namespace kda::profile
