#include "eval/stats.h"

#include <algorithm>
#include <cmath>

namespace kda {

static double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  double pos = q * (sorted.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos)), hi = static_cast<size_t>(std::ceil(pos));
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

SampleStats summarize(std::vector<double> v) {
  SampleStats s;
  s.n = static_cast<int>(v.size());
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.median = quantile(v, 0.5);
  s.q1 = quantile(v, 0.25);
  s.q3 = quantile(v, 0.75);
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / v.size();
  double ss = 0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  s.stdev = v.size() > 1 ? std::sqrt(ss / (v.size() - 1)) : 0;
  return s;
}

bool should_stop(const StopRule& r, const SampleStats& s, double elapsed) {
  if (s.n >= r.max_samples) return true;
  // Under min_samples only calls that are themselves very slow stop early: the host's cost per
  // sample (input preparation, transfers at 16 M elements) must not cut the minimum.
  if (s.n < r.min_samples) return s.mean * s.n / 1e3 > 4 * r.budget_seconds;
  return s.rel_stdev() < r.target_rel_stdev || elapsed > r.budget_seconds;
}

int drop_throttled(std::vector<double>& ms, std::vector<double>& ratios, double min_ratio) {
  double best = 0;
  for (double r : ratios) best = std::max(best, r);
  if (best <= 0) return 0;
  std::vector<double> keep_ms, keep_r;
  for (size_t i = 0; i < ms.size(); ++i) {
    if (ratios[i] > 0 && ratios[i] < min_ratio * best) continue;
    keep_ms.push_back(ms[i]);
    keep_r.push_back(ratios[i]);
  }
  int dropped = static_cast<int>(ms.size() - keep_ms.size());
  ms.swap(keep_ms);
  ratios.swap(keep_r);
  return dropped;
}

double geometric_mean(const std::vector<double>& v) {
  if (v.empty()) return 0;
  double s = 0;
  for (double x : v) s += std::log(std::max(x, 1e-300));
  return std::exp(s / v.size());
}

}  // namespace kda
