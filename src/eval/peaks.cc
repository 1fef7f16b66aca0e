#include "eval/peaks.h"

#include <algorithm>
#include <filesystem>

#include "core/fs.h"
#include "core/hash.h"

namespace kda {

Peaks load_or_measure_peaks(const Json& device, const std::function<Json()>& measure) {
  std::string identity = device.value("backend", "") + "|" + device.value("name", "") + "|" + device.value("driver", "");
  std::filesystem::path file = cache_dir() / "devices" / (sha256_hex(identity).substr(0, 24) + ".json");
  Json j;
  try {
    if (std::filesystem::exists(file)) j = parse_json(read_file(file), file.string());
  } catch (...) {
    j = Json();  // a damaged cache entry is measured again
  }
  if (!j.is_object() || j.value("schema_version", 0) != 1) {
    j = measure();
    j["schema_version"] = 1;
    j["device"] = device;
    write_file_atomic(file, j.dump(2));
  }
  Peaks p;
  p.raw = j;
  p.bandwidth_gbs = j.value("copy_bandwidth_gbs", 0.0);
  p.gflops = std::max(j.value("fma_gflops", 0.0), j.value("tensor_peak_gflops", 0.0));
  return p;
}

double roofline_floor_ms(const Definition& d, const std::map<std::string, int64_t>& axes, const Peaks& p) {
  double floor = 0;
  if (!d.bytes_expr.empty() && p.bandwidth_gbs > 0)
    floor = std::max(floor, eval_formula(d.bytes_expr, axes, d.name + " kda.bytes") / (p.bandwidth_gbs * 1e9) * 1e3);
  if (!d.flops_expr.empty() && p.gflops > 0)
    floor = std::max(floor, eval_formula(d.flops_expr, axes, d.name + " kda.flops") / (p.gflops * 1e9) * 1e3);
  return floor;
}

}  // namespace kda
