#include "profile/roofline.h"

#include <algorithm>

namespace kda::profile {
namespace {

double m(const Kernel& k, const std::string& name) {
  auto it = k.metrics.find(name);
  return it == k.metrics.end() ? 0 : it->second;
}

struct DevicePeak {
  const char* name;
  double flops, bytes;
};
// Public datasheet figures (fp32 non-tensor FLOP/s, DRAM bytes/s) used when the report lacks
// its own peak metrics.
constexpr DevicePeak kPeaks[] = {
    {"H100 80GB HBM3", 66.9e12, 3.35e12}, {"H100 PCIe", 51.2e12, 2.0e12},
    {"H200", 66.9e12, 4.8e12},             {"A100", 19.5e12, 2.0e12},
    {"MI300X", 163.4e12, 5.3e12},          {"MI250", 47.9e12, 3.2e12},
};

}  // namespace

Roofline compute_roofline(const Kernel& k) {
  Roofline r;
  const double smsp_hz = m(k, "smsp__cycles_elapsed.avg.per_second");
  const double per_cycle = 2 * m(k, "smsp__sass_thread_inst_executed_op_ffma_pred_on.sum.per_cycle_elapsed") +
                           m(k, "smsp__sass_thread_inst_executed_op_fadd_pred_on.sum.per_cycle_elapsed") +
                           m(k, "smsp__sass_thread_inst_executed_op_fmul_pred_on.sum.per_cycle_elapsed") +
                           2 * m(k, "smsp__sass_thread_inst_executed_op_hfma_pred_on.sum.per_cycle_elapsed") +
                           2 * m(k, "smsp__sass_thread_inst_executed_op_dfma_pred_on.sum.per_cycle_elapsed");
  r.flops_per_s = per_cycle * smsp_hz;
  r.bytes_per_s = m(k, "dram__bytes.sum.per_second");
  const double sm_hz = m(k, "sm__cycles_elapsed.avg.per_second");
  const double dram_hz = m(k, "dram__cycles_elapsed.avg.per_second");
  r.peak_flops_per_s = 2 * m(k, "sm__sass_thread_inst_executed_op_ffma_pred_on.sum.peak_sustained") * sm_hz;
  r.peak_bytes_per_s = m(k, "dram__bytes.sum.peak_sustained") * dram_hz;
  // Other tools (rocprof) hand the same figures over as resolved quantities (metric_table.cc).
  if (r.flops_per_s <= 0) r.flops_per_s = k.qv("flops_per_s");
  if (r.bytes_per_s <= 0) r.bytes_per_s = k.qv("dram_bytes_per_s");
  if (r.peak_flops_per_s <= 0) r.peak_flops_per_s = k.qv("peak_flops_per_s");
  if (r.peak_bytes_per_s <= 0) r.peak_bytes_per_s = k.qv("peak_bytes_per_s");
  for (const auto& p : kPeaks) {
    if (k.device.find(p.name) == std::string::npos) continue;
    if (r.peak_flops_per_s <= 0) r.peak_flops_per_s = p.flops;
    if (r.peak_bytes_per_s <= 0) r.peak_bytes_per_s = p.bytes;
    break;
  }
  if (r.bytes_per_s > 0) r.intensity = r.flops_per_s / r.bytes_per_s;
  if (r.peak_bytes_per_s > 0) r.ridge = r.peak_flops_per_s / r.peak_bytes_per_s;
  if (r.peak_bytes_per_s > 0 && r.peak_flops_per_s > 0 && (r.bytes_per_s > 0 || r.flops_per_s > 0)) {
    r.bound = r.intensity < r.ridge ? "memory" : "compute";
    double roof = std::min(r.peak_flops_per_s, r.intensity * r.peak_bytes_per_s);
    if (r.bound == "memory") r.pct_of_roof = 100 * r.bytes_per_s / r.peak_bytes_per_s;
    else if (roof > 0) r.pct_of_roof = 100 * r.flops_per_s / roof;
  }
  return r;
}

}  // namespace kda::profile
