// diff: compares two reports kernel by kernel. Contract: kernels are matched by name and launch
// configuration (grid, block), then by name alone, then (for a before/after pair given
// explicitly) by position; each match reports the duration change, metric deltas with a
// direction (better/worse, per metric; throughput percentages by the work they imply,
// percentage x duration, and unjudged without durations), and the finding categories that
// appeared or were resolved. Kernels only in A or only in B are listed.
#pragma once

#include <string>
#include <vector>

#include "core/json_io.h"
#include "profile/model.h"

namespace kda::profile {

struct MetricDelta {
  std::string quantity;
  double a = 0, b = 0;
  double change_pct = 0;
  std::string direction;            ///< better | worse | same | unjudged
  std::string judged_by = "value";  ///< value; work (a throughput % x duration); none (no durations)
  double work_change_pct = 0;       ///< with judged_by "work": change of percentage x duration
};

struct KernelDiff {
  std::string name_a, name_b;
  double duration_a_ns = 0, duration_b_ns = 0, duration_change_pct = 0;
  std::vector<MetricDelta> deltas;
  std::vector<std::string> appeared, resolved;
};

struct ReportDiff {
  std::vector<KernelDiff> matched;
  std::vector<std::string> only_a, only_b;
};

ReportDiff diff_reports(const Report& a, const Report& b);
/// The kernels of `r` whose short name (or full name) is `name`; all when `name` is empty.
/// Throws kNotFound listing the names present when none matches.
Report select_kernels(const Report& r, const std::string& name);
/// Compares two kernels directly (e.g. a kernel before and after a fix).
KernelDiff diff_kernels(const Kernel& a, const Kernel& b);

Json to_json(const ReportDiff& d);
std::string to_markdown(const ReportDiff& d);

}  // namespace kda::profile
