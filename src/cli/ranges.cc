#include "cli/ranges.h"

#include <cmath>
#include <sstream>

namespace kda::cli {
namespace {

std::string text(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

CLI::Validator real_in(double lo, double hi, const std::string& unit) {
  const std::string range = "[" + text(lo) + ", " + text(hi) + "]" + (unit.empty() ? "" : " " + unit);
  return CLI::Validator(
      [lo, hi, range](std::string& s) -> std::string {
        size_t used = 0;
        double v = 0;
        try {
          v = std::stod(s, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != s.size() || s.empty() || !std::isfinite(v) || v < lo || v > hi)
          return "'" + s + "' is not a number in " + range;
        return "";
      },
      "NUMBER in " + range);
}

CLI::Validator whole_in(long long lo, long long hi) {
  const std::string range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  return CLI::Validator(
      [lo, hi, range](std::string& s) -> std::string {
        size_t used = 0;
        long long v = 0;
        try {
          v = std::stoll(s, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != s.size() || s.empty() || v < lo || v > hi) return "'" + s + "' is not a whole number in " + range;
        return "";
      },
      "INT in " + range);
}

}  // namespace kda::cli
