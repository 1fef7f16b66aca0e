// kda traces show PATH... / kda traces compare PATH... --solutions A B: read trace files (JSONL,
// one trace a line, as kda and flashinfer-bench write them; folders are searched for *.jsonl)
// and summarise them. Workload lines (evaluation null) are skipped; any other line that is not a
// trace is an input error naming file:line (exit 3). docs/formats.md "Traces".
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/json_io.h"
#include "task/trace.h"

namespace kda::cli {
namespace fs = std::filesystem;

namespace {

struct Loaded {
  std::vector<Trace> traces;
  size_t workload_lines = 0;
  size_t files = 0;
};

void read_file_into(const fs::path& p, Loaded& out) {
  std::ifstream in(p);
  if (!in) fail(ErrorKind::kNotFound, "cannot read " + p.string());
  ++out.files;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string origin = p.string() + ":" + std::to_string(n);
    Json j = parse_json(line, origin);
    if (j.is_object() && j.contains("evaluation") && j["evaluation"].is_null()) {
      ++out.workload_lines;
      continue;
    }
    out.traces.push_back(parse_trace(j, origin));
  }
}

Loaded load_paths(const std::vector<std::string>& paths) {
  Loaded out;
  for (const std::string& s : paths) {
    const fs::path p = s;
    if (fs::is_directory(p)) {
      std::vector<fs::path> files;
      for (auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file() && e.path().extension() == ".jsonl") files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const fs::path& f : files) read_file_into(f, out);
    } else if (fs::exists(p)) {
      read_file_into(p, out);
    } else {
      fail(ErrorKind::kNotFound, s + " does not exist");
    }
  }
  return out;
}

std::string fmt(double v, int prec) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double geomean(const std::vector<double>& v) {
  double s = 0;
  size_t n = 0;
  for (double x : v)
    if (x > 0 && std::isfinite(x)) s += std::log(x), ++n;
  return n ? std::exp(s / static_cast<double>(n)) : 0;
}

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (w.size() <= i) w.push_back(0);
      w[i] = std::max(w[i], r[i].size());
    }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(w[i] - r[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

bool written_by_kda(const Trace& t) { return t.raw.is_object() && t.raw.contains("kda"); }

// The speedup flashinfer-bench means (over the definition's reference); 0 when not timed.
double reference_speedup(const Trace& t) { return t.performance ? t.performance->definition_reference_speedup : 0; }

struct ShowArgs {
  std::vector<std::string> paths;
  std::string definition;
};

void run_show(const ShowArgs& a) {
  const Loaded l = load_paths(a.paths);
  std::map<std::string, std::map<std::string, std::vector<const Trace*>>> by_def;  // definition -> solution -> traces
  for (const Trace& t : l.traces)
    if (a.definition.empty() || t.definition == a.definition) by_def[t.definition][t.solution].push_back(&t);
  if (by_def.empty())
    fail(ErrorKind::kNotFound, "no traces" + (a.definition.empty() ? std::string() : " of definition " + a.definition) + " in " +
                                   std::to_string(l.files) + " file(s)" +
                                   (l.workload_lines ? " (" + std::to_string(l.workload_lines) + " workload lines, which are not traces)" : ""));
  bool first = true;
  for (const auto& [def, sols] : by_def) {
    if (!first) std::cout << "\n";
    first = false;
    size_t n = 0;
    for (const auto& [s, ts] : sols) n += ts.size();
    std::cout << def << " (" << n << " traces, " << sols.size() << " solutions)\n";
    std::vector<std::vector<std::string>> rows = {
        {"solution", "traces", "passed", "status", "latency_ms", "speedup_vs_reference", "speedup_vs_baseline", "hardware"}};
    for (const auto& [sol, ts] : sols) {
      std::map<std::string, int> status;
      std::set<std::string> hw;
      std::vector<double> lat, ref_speedup, base_speedup;
      for (const Trace* t : ts) {
        ++status[to_string(t->status)];
        if (!t->environment.hardware.empty()) hw.insert(t->environment.hardware);
        if (t->status != Status::kPassed || !t->performance) continue;
        lat.push_back(t->performance->latency_ms);
        ref_speedup.push_back(reference_speedup(*t));
        if (written_by_kda(*t)) base_speedup.push_back(t->performance->speedup_factor);
      }
      std::string st, hws;
      for (const auto& [k, c] : status) st += (st.empty() ? "" : ", ") + k + " " + std::to_string(c);
      for (const auto& h : hw) hws += (hws.empty() ? "" : ", ") + h;
      const double rg = geomean(ref_speedup), bg = geomean(base_speedup);
      rows.push_back({sol.empty() ? "(none)" : sol, std::to_string(ts.size()), std::to_string(lat.size()), st,
                      lat.empty() ? "-" : fmt(median(lat), 4) + " (median)", rg > 0 ? fmt(rg, 2) + "x (geomean)" : "-",
                      bg > 0 ? fmt(bg, 2) + "x (geomean)" : "-", hws.empty() ? "-" : hws});
    }
    print_table(std::cout, rows);
  }
}

struct CompareArgs {
  std::vector<std::string> paths;
  std::vector<std::string> solutions;
  std::string definition;
};

// One solution's outcome on a workload: the fastest PASSED trace (flashinfer-bench scores the
// best), else the last trace's status.
struct Outcome {
  const Trace* best = nullptr;
  const Trace* last = nullptr;
};

void run_compare(const CompareArgs& a) {
  if (a.solutions.size() != 2) fail(ErrorKind::kUsage, "--solutions takes two names: A B");
  const std::string& A = a.solutions[0];
  const std::string& B = a.solutions[1];
  const Loaded l = load_paths(a.paths);
  // definition -> workload uuid -> {A, B}
  std::map<std::string, std::map<std::string, std::pair<Outcome, Outcome>>> grid;
  std::set<std::string> seen_solutions;
  for (const Trace& t : l.traces) {
    seen_solutions.insert(t.solution);
    if (!a.definition.empty() && t.definition != a.definition) continue;
    if (t.solution != A && t.solution != B) continue;
    auto& cell = grid[t.definition][t.workload.uuid];
    Outcome& o = t.solution == A ? cell.first : cell.second;
    o.last = &t;
    if (t.status == Status::kPassed && t.performance && (!o.best || t.performance->latency_ms < o.best->performance->latency_ms))
      o.best = &t;
  }
  for (const std::string& s : {A, B})
    if (!seen_solutions.count(s)) {
      std::string known;
      for (const auto& k : seen_solutions) known += (known.empty() ? "" : ", ") + k;
      fail(ErrorKind::kNotFound, "no traces of solution '" + s + "' in the files given (solutions there: " + known + ")");
    }
  bool any = false;
  for (const auto& [def, wls] : grid) {
    std::vector<std::vector<std::string>> rows = {{"workload", "axes", "A status", "A ms", "B status", "B ms", "A/B latency"}};
    std::vector<double> ratios;
    size_t both = 0, b_faster = 0;
    for (const auto& [uuid, cell] : wls) {
      if (!cell.first.last || !cell.second.last) continue;
      both++;
      const Trace* ta = cell.first.best ? cell.first.best : cell.first.last;
      const Trace* tb = cell.second.best ? cell.second.best : cell.second.last;
      std::string axes;
      for (const auto& [k, v] : ta->workload.axes) axes += (axes.empty() ? "" : ",") + k + "=" + std::to_string(v);
      std::string ra = "-", rb = "-", ratio = "-";
      if (cell.first.best) ra = fmt(cell.first.best->performance->latency_ms, 4);
      if (cell.second.best) rb = fmt(cell.second.best->performance->latency_ms, 4);
      if (cell.first.best && cell.second.best && cell.second.best->performance->latency_ms > 0) {
        const double r = cell.first.best->performance->latency_ms / cell.second.best->performance->latency_ms;
        ratios.push_back(r);
        b_faster += r > 1;
        ratio = fmt(r, 2) + "x";
      }
      rows.push_back({uuid, axes, to_string(ta->status), ra, to_string(tb->status), rb, ratio});
    }
    if (both == 0) continue;
    if (any) std::cout << "\n";
    any = true;
    std::cout << def << " (A = " << A << ", B = " << B << "): " << both << " workloads with traces of both, "
              << ratios.size() << " PASSED by both";
    if (!ratios.empty())
      std::cout << "; A/B latency geomean " << fmt(geomean(ratios), 3) << "x, B faster on " << b_faster << " of " << ratios.size();
    std::cout << "\n";
    print_table(std::cout, rows);
  }
  if (!any) fail(ErrorKind::kNotFound, "solutions " + A + " and " + B + " have no workload in common in the files given");
}

}  // namespace

void add_traces_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("traces", "Read trace files (JSONL, by kda or flashinfer-bench): summarise and compare");
  cmd->require_subcommand(1);
  auto sa = std::make_shared<ShowArgs>();
  auto* show = cmd->add_subcommand("show", "One table per definition: status, latency and speedup by solution");
  show->add_option("PATH", sa->paths, "Trace files (.jsonl) or folders searched for them (e.g. DATASET/traces)")->required();
  show->add_option("--definition", sa->definition, "Only this definition");
  show->callback([sa] { run_show(*sa); });
  auto ca = std::make_shared<CompareArgs>();
  auto* cmp = cmd->add_subcommand("compare", "Two solutions workload by workload (the fastest PASSED trace of each)");
  cmp->add_option("PATH", ca->paths, "Trace files (.jsonl) or folders searched for them")->required();
  cmp->add_option("--solutions", ca->solutions, "The two solutions to compare: A B")->required()->expected(2);
  cmp->add_option("--definition", ca->definition, "Only this definition");
  cmp->callback([ca] { run_compare(*ca); });
}

}  // namespace kda::cli
