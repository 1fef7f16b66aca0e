#include "profile/timeline.h"

#include <algorithm>

namespace kda::profile {

Strip render_strip(const std::map<std::string, std::vector<double>>& instances, size_t width) {
  static const char* kPrefer[] = {"sm__throughput", "sm__inst_executed_realtime",
                                  "sm__cycles_active", "smsp__warps_active", "dramc__throughput"};
  Strip s;
  const std::vector<double>* series = nullptr;
  for (const char* p : kPrefer) {
    for (const auto& [name, v] : instances) {
      if (name.find(p) == std::string::npos || v.size() < 4) continue;
      if (*std::max_element(v.begin(), v.end()) <= 0) continue;
      series = &v;
      s.metric = name;
      break;
    }
    if (series) break;
  }
  if (!series) return s;
  static const char kRamp[] = " .:-=+*#%@";
  const auto& v = *series;
  double mx = *std::max_element(v.begin(), v.end());
  size_t w = std::min(width, v.size());
  for (size_t b = 0; b < w; ++b) {
    size_t lo = b * v.size() / w, hi = std::max(lo + 1, (b + 1) * v.size() / w);
    double sum = 0;
    for (size_t i = lo; i < hi; ++i) sum += v[i];
    double frac = sum / static_cast<double>(hi - lo) / mx;
    s.text.push_back(kRamp[std::clamp(static_cast<int>(frac * 9 + 0.5), 0, 9)]);
  }
  return s;
}

}  // namespace kda::profile
