#include "cli/table.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace kda::cli {
namespace {

std::string num(double v, int prec) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(prec) << v;
  return s.str();
}

}  // namespace

void print_results(std::ostream& out, const std::vector<SolutionResult>& results) {
  std::vector<std::vector<std::string>> rows = {
      {"solution", "workload", "status", "latency_ms", "baseline_ms", "speedup", "roofline", "note"}};
  for (const SolutionResult& r : results) {
    for (const Trace& t : r.traces) {
      std::vector<std::string> row = {r.solution, t.workload.uuid, to_string(t.status)};
      if (t.performance) {
        const Performance& p = *t.performance;
        row.push_back(num(p.latency_ms, 4));
        row.push_back(num(p.reference_latency_ms, 4));
        row.push_back(num(p.speedup_factor, 2) + "x");
        row.push_back(p.fraction_of_roofline > 0 ? num(100 * p.fraction_of_roofline, 0) + "%" : "-");
        row.push_back("n=" + std::to_string(p.samples) + " iqr=" + num(p.iqr_ms, 4));
      } else {
        row.insert(row.end(), {"-", "-", "-", "-", t.reason_code.empty() ? "" : t.reason_code + ": " + t.reason});
      }
      rows.push_back(std::move(row));
    }
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (auto& row : rows)
    for (size_t i = 0; i + 1 < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  for (auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      out << row[i];
      if (i + 1 < row.size()) out << std::string(width[i] - row[i].size() + 2, ' ');
    }
    out << "\n";
  }
  for (const SolutionResult& r : results) {
    out << r.solution << ": " << (r.all_passed ? "all workloads PASSED" : "NOT all workloads passed");
    if (r.geomean_speedup > 0) out << ", geomean speedup vs baseline " << num(r.geomean_speedup, 2) << "x";
    if (!r.build.ok) out << " (build failed)";
    out << "\n";
  }
  // The fallback GPU timer sees other streams only through a wall-clock bound (docs/evaluator.md,
  // "The GPU timer"): say so beside the figures it produced.
  for (const SolutionResult& r : results)
    for (const Trace& t : r.traces)
      if (t.environment.timer == "events+wall_bound") {
        out << "note: timed without CUPTI (events + wall-clock bound): weaker against work on other streams, and host "
               "latency inflates short calls; see docs/evaluator.md\n";
        return;
      }
}

}  // namespace kda::cli
