// timeline: renders PM-sampling per-instance values (raw page with --print-metric-instances
// values) as a one-line ASCII strip, so a tail or a serialized phase is visible at a glance.
// Contract: picks the first available metric among a preference list of SM-utilization metrics
// (by name pattern), scales to its own maximum, buckets into `width` characters.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace kda::profile {

struct Strip {
  std::string metric;
  std::string text;  ///< empty when no suitable instance series exists
};

Strip render_strip(const std::map<std::string, std::vector<double>>& instances, size_t width = 60);

}  // namespace kda::profile
