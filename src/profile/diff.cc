#include "profile/diff.h"

#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"

namespace kda::profile {
namespace {

// +1: higher is better; -1: lower is better. A throughput percentage (rate) says nothing on its
// own: a kernel that stops moving wasted bytes gets faster *and* shows less memory throughput. A
// percentage of the elapsed peak is judged by the work it implies, percentage x duration (less
// work for the same result is better); one of the peak over *active* cycles does not scale with
// the duration and is not judged, nor is any rate when a duration is missing.
struct Tracked {
  const char* quantity;
  int better;
  bool rate = false;
};
constexpr Tracked kTracked[] = {
    {"sm_pct", -1, true},          {"mem_pct", -1, true},
    {"dram_pct", -1, true},        {"achieved_occupancy_pct", +1}, {"theoretical_occupancy_pct", +1},
    {"registers_per_thread", -1}, {"shared_bank_conflicts", -1}, {"local_ld_sectors", -1},
    {"threads_per_inst", +1},    {"issue_active_pct", -1, true}, {"stall.long_scoreboard", -1},
    {"stall.barrier", -1},       {"stall.short_scoreboard", -1}, {"stall.mio_throttle", -1},
};
constexpr double kSamePct = 2;       // value changes smaller than this are "same"
constexpr double kSameWorkPct = 10;  // percentage x duration is a proxy: a wider band

std::string direction(double a, double b, int better, double same_pct) {
  double change = 100 * (b - a) / std::max(std::abs(a), 1e-12);
  if (std::abs(change) < same_pct || std::abs(b - a) <= 1e-9) return "same";
  return ((b > a) == (better > 0)) ? "better" : "worse";
}

bool of_active_cycles(const Kernel& k, const std::string& quantity) {
  auto it = k.quantity_source.find(quantity);
  return it != k.quantity_source.end() && it->second.find("_active") != std::string::npos;
}

}  // namespace

KernelDiff diff_kernels(const Kernel& a, const Kernel& b) {
  KernelDiff d;
  d.name_a = a.name;
  d.name_b = b.name;
  d.duration_a_ns = a.qv("duration_ns");
  d.duration_b_ns = b.qv("duration_ns");
  if (d.duration_a_ns > 0) d.duration_change_pct = 100 * (d.duration_b_ns - d.duration_a_ns) / d.duration_a_ns;
  for (const auto& t : kTracked) {
    auto va = a.q(t.quantity), vb = b.q(t.quantity);
    if (!va || !vb) continue;
    MetricDelta m{t.quantity, *va, *vb, 0, "same"};
    double base = std::max(std::abs(*va), 1e-12);
    m.change_pct = 100 * (*vb - *va) / base;
    if (!t.rate) {
      m.direction = direction(*va, *vb, t.better, kSamePct);
    } else if (d.duration_a_ns > 0 && d.duration_b_ns > 0 && !of_active_cycles(a, t.quantity) &&
               !of_active_cycles(b, t.quantity)) {
      m.judged_by = "work";
      m.work_change_pct = 100 * (*vb * d.duration_b_ns - *va * d.duration_a_ns) / std::max(*va * d.duration_a_ns, 1e-12);
      m.direction = direction(*va * d.duration_a_ns, *vb * d.duration_b_ns, t.better, kSameWorkPct);
    } else {
      m.judged_by = "none";
      m.direction = "unjudged";
    }
    d.deltas.push_back(m);
  }
  std::set<std::string> ca, cb;
  for (const auto& f : a.findings) ca.insert(f.category);
  for (const auto& f : b.findings) cb.insert(f.category);
  for (const auto& c : cb)
    if (!ca.count(c)) d.appeared.push_back(c);
  for (const auto& c : ca)
    if (!cb.count(c)) d.resolved.push_back(c);
  return d;
}

ReportDiff diff_reports(const Report& a, const Report& b) {
  ReportDiff d;
  std::vector<bool> used(b.kernels.size(), false);
  std::vector<const Kernel*> unmatched;
  // Pass 1: name + launch configuration; pass 2: name alone.
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<const Kernel*> next;
    const auto& src = pass == 0 ? std::vector<const Kernel*>() : unmatched;
    std::vector<const Kernel*> todo;
    if (pass == 0)
      for (const auto& k : a.kernels) todo.push_back(&k);
    else
      todo = src;
    for (const Kernel* ka : todo) {
      bool found = false;
      for (size_t j = 0; j < b.kernels.size(); ++j) {
        const Kernel& kb = b.kernels[j];
        if (used[j] || kb.name != ka->name) continue;
        if (pass == 0 && (kb.grid != ka->grid || kb.block != ka->block)) continue;
        used[j] = true;
        d.matched.push_back(diff_kernels(*ka, kb));
        found = true;
        break;
      }
      if (!found) next.push_back(ka);
    }
    unmatched = std::move(next);
  }
  for (const Kernel* k : unmatched) d.only_a.push_back(k->name);
  for (size_t j = 0; j < b.kernels.size(); ++j)
    if (!used[j]) d.only_b.push_back(b.kernels[j].name);
  // A before/after pair of two single, differently named kernels: compare them.
  if (d.matched.empty() && a.kernels.size() == 1 && b.kernels.size() == 1) {
    d.matched.push_back(diff_kernels(a.kernels[0], b.kernels[0]));
    d.only_a.clear();
    d.only_b.clear();
  }
  return d;
}

Report select_kernels(const Report& r, const std::string& name) {
  if (name.empty()) return r;
  Report out{r.origin, r.tool, {}};
  std::string names;
  for (const auto& k : r.kernels) {
    if (k.short_name() == name || k.name == name) out.kernels.push_back(k);
    names += (names.empty() ? "" : ", ") + k.short_name();
  }
  if (out.kernels.empty())
    fail(ErrorKind::kNotFound, r.origin + ": no kernel named '" + name + "' (present: " + names + ")");
  return out;
}

Json to_json(const ReportDiff& d) {
  Json m = Json::array();
  for (const auto& k : d.matched) {
    Json deltas = Json::array();
    for (const auto& x : k.deltas)
      deltas.push_back({{"quantity", x.quantity}, {"a", x.a}, {"b", x.b}, {"change_pct", x.change_pct},
                        {"direction", x.direction}, {"judged_by", x.judged_by},
                        {"work_change_pct", x.judged_by == "work" ? Json(x.work_change_pct) : Json(nullptr)}});
    m.push_back({{"a", k.name_a}, {"b", k.name_b}, {"duration_a_ns", k.duration_a_ns},
                 {"duration_b_ns", k.duration_b_ns}, {"duration_change_pct", k.duration_change_pct},
                 {"metrics", deltas}, {"findings_appeared", k.appeared},
                 {"findings_resolved", k.resolved}});
  }
  return {{"schema_version", 1}, {"matched", m}, {"only_in_a", d.only_a}, {"only_in_b", d.only_b}};
}

// A change from zero has no percentage ("+19000000000000%" says nothing): it is named as such.
static std::string change_text(double from, double pct) {
  return std::abs(from) <= 1e-9 ? std::string("from zero") : fmt::format("{:+.1f}%", pct);
}

std::string to_markdown(const ReportDiff& d) {
  std::string md = fmt::format("# Profile diff: {} kernels matched\n", d.matched.size());
  for (const auto& k : d.matched) {
    md += fmt::format("\n## {}{}\n\n", k.name_a, k.name_a == k.name_b ? "" : " -> " + k.name_b);
    md += fmt::format("- duration: {:.0f} ns -> {:.0f} ns ({:+.1f}%, {})\n", k.duration_a_ns, k.duration_b_ns,
                      k.duration_change_pct, k.duration_change_pct < -2 ? "faster" : k.duration_change_pct > 2 ? "slower" : "same");
    for (const auto& x : k.deltas) {
      if (x.direction == "same") continue;
      if (x.judged_by == "work")
        md += fmt::format("- {}: {:.4g} -> {:.4g} ({}; x duration {}, {})\n", x.quantity, x.a, x.b,
                          change_text(x.a, x.change_pct), change_text(x.a, x.work_change_pct), x.direction);
      else if (x.judged_by == "none")
        md += fmt::format("- {}: {:.4g} -> {:.4g} ({}, not judged: of active cycles, or no durations)\n", x.quantity, x.a,
                          x.b, change_text(x.a, x.change_pct));
      else
        md += fmt::format("- {}: {:.4g} -> {:.4g} ({}, {})\n", x.quantity, x.a, x.b, change_text(x.a, x.change_pct), x.direction);
    }
    if (!k.resolved.empty()) md += "- resolved findings: " + fmt::format("{}", fmt::join(k.resolved, ", ")) + "\n";
    if (!k.appeared.empty()) md += "- new findings: " + fmt::format("{}", fmt::join(k.appeared, ", ")) + "\n";
  }
  if (!d.only_a.empty()) md += fmt::format("\nonly in A: {}\n", fmt::join(d.only_a, ", "));
  if (!d.only_b.empty()) md += fmt::format("\nonly in B: {}\n", fmt::join(d.only_b, ", "));
  return md;
}

}  // namespace kda::profile
