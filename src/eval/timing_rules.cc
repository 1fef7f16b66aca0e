#include "eval/timing_rules.h"

#include <algorithm>
#include <cstdint>
#include <sstream>

namespace kda {
namespace {

constexpr double kMinCallTimeoutMs = 2000;

}  // namespace

std::string fmt_ms(double ms) {
  std::ostringstream s;
  s.precision(4);
  s << ms << " ms";
  return s.str();
}

std::chrono::milliseconds call_timeout_for(double baseline_first_call_wall_ms, std::chrono::milliseconds cap) {
  const double limit = static_cast<double>(cap.count());
  const double ms = kMinCallTimeoutMs + 20.0 * std::max(0.0, baseline_first_call_wall_ms);
  return std::chrono::milliseconds(static_cast<int64_t>(std::clamp(ms, std::min(kMinCallTimeoutMs, limit), limit)));
}

bool WallCheck::contradicts(bool gpu) const {
  const double per_call_slack = gpu ? 0.02 : 0.01, fixed_slack = gpu ? 20.0 : 10.0;
  return judge_total > 1.5 * reported_total + repeat * per_call_slack + fixed_slack;
}

std::string WallCheck::describe() const {
  return "judge " + fmt_ms(judge_total) + " for " + std::to_string(repeat) + " calls after an empty request of " +
         fmt_ms(empty) + ", runner " + fmt_ms(reported_total);
}

}  // namespace kda
