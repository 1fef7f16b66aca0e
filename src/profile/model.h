// model: the profiler's in-memory report, independent of the tool that produced it (ncu or
// rocprof). A Report holds kernels (one per profiled launch); each kernel holds its metrics by
// tool name, the resolved quantities (metric_table.h), the tool's own rule results, findings
// (diagnose.h), source hotspots and a PM-sampling timeline.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kda::profile {

/// One of the tool's own rule results (Nsight "Rule Name", with its estimated speedup).
struct ToolRule {
  std::string name;         ///< e.g. "UncoalescedGlobalAccess"
  std::string type;         ///< OPT, WRN, INF
  std::string description;
  std::optional<double> speedup_pct;
  std::string speedup_type;  ///< "global" or "local"
};

/// A metric value cited as evidence: name = value against a threshold.
struct Evidence {
  std::string metric;
  double value = 0;
  std::string comparison;  ///< e.g. ">= 60"
  std::string text() const;
};

struct Finding {
  std::string category;  ///< fixed vocabulary (diagnose.h kCategories)
  std::string severity;  ///< high | medium | low | info
  std::vector<Evidence> evidence;
  double estimated_speedup_pct = 0;
  std::string speedup_source;  ///< "nsight" or "kda"
  std::string fix;
};

struct Hotspot {
  std::string file;  ///< source file of the line (a page may span several)
  int line = 0;  ///< CUDA source line
  std::string source;
  double samples = 0;
  double share_pct = 0;  ///< of the kernel's samples
  std::string top_stall;
  bool inline_ptx = false;
  std::vector<std::string> sass;  ///< top instructions of the line
  std::vector<int> ptx_lines;     ///< PTX lines matching an inline asm, when a PTX page is given
};

struct Kernel {
  std::string id;     ///< launch ID in the report
  std::string name;   ///< demangled name as the tool prints it
  std::string block;  ///< "(256, 1, 1)"
  std::string grid;
  std::string device;
  std::string tool = "ncu";  ///< "ncu" or "rocprof": which names metric_table.h resolves
  std::map<std::string, double> metrics;      ///< by tool metric name
  std::map<std::string, std::string> units;
  std::map<std::string, double> quantities;   ///< resolved, by kda quantity name
  std::map<std::string, std::string> quantity_source;  ///< quantity -> metric name used
  std::vector<std::string> missing;            ///< quantities none of whose candidates exist
  std::vector<ToolRule> rules;
  std::vector<Finding> findings;  ///< ranked best first
  std::vector<Hotspot> hotspots;
  std::string timeline;  ///< ASCII strip, empty when no per-instance samples
  std::string timeline_metric;
  std::optional<double> q(const std::string& quantity) const;
  double qv(const std::string& quantity, double fallback = 0) const;
  /// Short name: without "void ", template arguments and parameter list.
  std::string short_name() const;
};

struct Report {
  std::string origin;  ///< directory or files it came from
  std::string tool;    ///< "ncu" or "rocprof"
  std::vector<Kernel> kernels;
  /// Pages that could not be read ("FILE:LINE: why"), reported beside the findings the other
  /// pages gave: one unreadable page never fails the whole report.
  std::vector<std::string> warnings;
  /// Launches left out of the analysis because they are not the candidate's (the runner's own
  /// kernels, by the names the runner publishes): "name (id N)".
  std::vector<std::string> excluded;
};

}  // namespace kda::profile
