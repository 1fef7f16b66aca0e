#include "eval/peaks.h"

#include <algorithm>
#include <filesystem>

#include "core/fs.h"
#include "core/hash.h"

namespace kda {
namespace {

// The figures a calibration produces; each is a rate that load can only lower.
const char* const kRates[] = {"copy_bandwidth_gbs", "fma_gflops", "tensor_peak_gflops", "vector_peak_gflops"};

std::filesystem::path cache_file(const Json& device) {
  std::string identity = device.value("backend", "") + "|" + device.value("name", "") + "|" + device.value("driver", "");
  return cache_dir() / "devices" / (sha256_hex(identity).substr(0, 24) + ".json");
}

Json read_cache(const std::filesystem::path& file) {
  try {
    if (std::filesystem::exists(file)) {
      Json j = parse_json(read_file(file), file.string());
      if (j.is_object() && j.value("schema_version", 0) == 1) return j;
    }
  } catch (...) {
  }
  return Json();  // missing or damaged: measured again
}

// AMD's product pages (amd.com/en/products/accelerators/instinct/...: mi300/mi300x.html,
// mi300/mi325x.html, mi350/mi355x.html, mi200/mi250x.html), "Peak Memory Bandwidth", "Peak
// Single Precision (FP32) Vector Performance" and the dense (no sparsity) matrix figure of the
// fastest dtype: FP8 on CDNA3, MXFP4/FP6 on CDNA4, FP16/BF16 on CDNA2. MI250X's figures are for
// the package (two GCDs, which HIP shows as two devices): over-estimates for one device, the safe
// side for a ceiling. Never checked against a run here: no AMD GPU has been reachable.
constexpr DatasheetPeaks kDatasheet[] = {
    {"MI300X", 5300, 163.4e3, 2614.9e3, "AMD Instinct MI300X product page"},
    {"MI325X", 6000, 163.4e3, 2614.9e3, "AMD Instinct MI325X product page"},
    {"MI355X", 8000, 157.3e3, 10066.3e3, "AMD Instinct MI355X product page"},
    {"MI250X", 3276.8, 47.9e3, 383.0e3, "AMD Instinct MI250X product page"},
};

Peaks from_json(const Json& j) {
  Peaks p;
  p.raw = j;
  p.bandwidth_gbs = j.value("copy_bandwidth_gbs", 0.0);
  p.gflops = std::max({j.value("fma_gflops", 0.0), j.value("tensor_peak_gflops", 0.0), j.value("vector_peak_gflops", 0.0)});
  // Figures no calibration produced: the datasheet's, where the device is in the table.
  if (const Json* dev = j.contains("device") ? &j.at("device") : nullptr; dev && dev->is_object())
    if (const DatasheetPeaks* d = datasheet_peaks(dev->value("name", ""))) {
      if (p.bandwidth_gbs <= 0) p.bandwidth_gbs = d->hbm_gbs;
      if (p.gflops <= 0) p.gflops = std::max(d->vector_fp32_gflops, d->matrix_dense_gflops);
    }
  return p;
}

// Keeps, per rate, the higher of the cached and the fresh figure, and writes the cache back when
// any rose: a calibration made on a busy machine is replaced by the first better one.
Peaks merge_and_store(const Json& device, const std::filesystem::path& file, Json cached, const Json& fresh) {
  bool rose = !cached.is_object();
  if (!cached.is_object()) cached = Json::object();
  for (const char* k : kRates) {
    const double f = fresh.is_object() ? fresh.value(k, 0.0) : 0.0;
    if (f > cached.value(k, 0.0)) {
      cached[k] = f;
      rose = true;
    }
  }
  if (rose) {
    cached["schema_version"] = 1;
    cached["device"] = device;
    write_file_atomic(file, cached.dump(2));
  }
  return from_json(cached);
}

}  // namespace

const DatasheetPeaks* datasheet_peaks(const std::string& device_name) {
  for (const DatasheetPeaks& d : kDatasheet)
    if (device_name.find(d.model) != std::string::npos) return &d;
  return nullptr;
}

Peaks load_or_measure_peaks(const Json& device, const std::function<Json()>& measure) {
  const auto file = cache_file(device);
  Json cached = read_cache(file);
  if (cached.is_object()) return from_json(cached);
  return merge_and_store(device, file, Json(), measure());
}

Peaks remeasure_peaks(const Json& device, const std::function<Json()>& measure) {
  const auto file = cache_file(device);
  return merge_and_store(device, file, read_cache(file), measure());
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
