#include "profile/render.h"

#include <fmt/format.h>

#include "profile/roofline.h"

namespace kda::profile {
namespace {

Json opt(const Kernel& k, const char* q) {
  auto v = k.q(q);
  return v ? Json(*v) : Json(nullptr);
}

Json finding_json(const Finding& f) {
  Json ev = Json::array();
  for (const auto& e : f.evidence)
    ev.push_back({{"metric", e.metric}, {"value", e.value}, {"threshold", e.comparison}});
  return {{"category", f.category},       {"severity", f.severity},
          {"evidence", ev},               {"estimated_speedup", f.estimated_speedup_pct},
          {"speedup_source", f.speedup_source}, {"fix", f.fix}};
}

std::string fmt_ns(double ns) {
  if (ns >= 1e6) return fmt::format("{:.3g} ms", ns / 1e6);
  if (ns >= 1e3) return fmt::format("{:.3g} us", ns / 1e3);
  return fmt::format("{:.0f} ns", ns);
}

std::string pct(const Kernel& k, const char* q) {
  auto v = k.q(q);
  return v ? fmt::format("{:.1f}%", *v) : "n/a";
}

}  // namespace

Json to_json(const Report& r) {
  Json ks = Json::array();
  for (const auto& k : r.kernels) {
    Json findings = Json::array();
    for (const auto& f : k.findings) findings.push_back(finding_json(f));
    Json hot = Json::array();
    for (const auto& h : k.hotspots)
      hot.push_back({{"file", h.file}, {"line", h.line}, {"source", h.source}, {"samples", h.samples},
                     {"share_pct", h.share_pct}, {"top_stall", h.top_stall},
                     {"inline_ptx", h.inline_ptx}, {"sass", h.sass}, {"ptx_lines", h.ptx_lines}});
    Json rules = Json::array();
    for (const auto& t : k.rules)
      if (t.type != "INF")
        rules.push_back({{"rule", t.name}, {"type", t.type},
                         {"estimated_speedup", t.speedup_pct ? Json(*t.speedup_pct) : Json(nullptr)}});
    Roofline roof = compute_roofline(k);
    Json stalls = Json::object();
    for (const auto& [q, v] : k.quantities)
      if (q.rfind("stall.", 0) == 0 && v > 0) stalls[q.substr(6)] = v;
    ks.push_back({
        {"id", k.id},
        {"name", k.name},
        {"block", k.block},
        {"grid", k.grid},
        {"duration_ns", opt(k, "duration_ns")},
        {"sm_throughput_pct", opt(k, "sm_pct")},
        {"memory_throughput_pct", opt(k, "mem_pct")},
        {"dram_throughput_pct", opt(k, "dram_pct")},
        {"achieved_occupancy_pct", opt(k, "achieved_occupancy_pct")},
        {"theoretical_occupancy_pct", opt(k, "theoretical_occupancy_pct")},
        {"registers_per_thread", opt(k, "registers_per_thread")},
        {"waves_per_sm", opt(k, "waves_per_sm")},
        {"warp_stalls_per_issue", stalls},
        {"roofline", {{"flops_per_s", roof.flops_per_s}, {"dram_bytes_per_s", roof.bytes_per_s},
                      {"peak_flops_per_s", roof.peak_flops_per_s}, {"peak_bytes_per_s", roof.peak_bytes_per_s},
                      {"intensity", roof.intensity}, {"ridge", roof.ridge}, {"bound", roof.bound},
                      {"pct_of_roof", roof.pct_of_roof}}},
        {"findings", findings},
        {"hotspots", hot},
        {"tool_rules", rules},
        {"timeline", {{"metric", k.timeline_metric}, {"strip", k.timeline}}},
        {"missing_metrics", k.missing},
    });
  }
  Json out = {{"schema_version", kSchemaVersion}, {"tool", r.tool}, {"source", r.origin}, {"kernels", ks}};
  // Only when there are some: a report read whole looks as it always did.
  if (!r.warnings.empty()) out["warnings"] = r.warnings;
  if (!r.excluded.empty()) out["excluded"] = r.excluded;
  return out;
}

std::string to_markdown(const Report& r) {
  std::string md = fmt::format("# Profile diagnosis ({}, {} kernels)\n", r.tool, r.kernels.size());
  if (!r.excluded.empty()) {
    md += "\nLeft out (not the candidate's kernels):";
    for (const auto& e : r.excluded) md += " " + e + ";";
    md += "\n";
  }
  if (!r.warnings.empty()) {
    md += "\nWarnings (pages not read; the findings below come from the others):\n";
    for (const auto& w : r.warnings) md += "- " + w + "\n";
  }
  for (const auto& k : r.kernels) {
    md += fmt::format("\n## {} (id {})\n\n", k.name, k.id);
    md += fmt::format("- launch: grid {} x block {}; duration {}\n", k.grid, k.block,
                      k.q("duration_ns") ? fmt_ns(k.qv("duration_ns")) : "n/a");
    md += fmt::format("- speed of light: SM {} | memory {} | DRAM {} | L1 {} | L2 {}\n", pct(k, "sm_pct"),
                      pct(k, "mem_pct"), pct(k, "dram_pct"), pct(k, "l1_pct"), pct(k, "l2_pct"));
    md += fmt::format("- occupancy: achieved {} of theoretical {}; {} registers/thread\n",
                      pct(k, "achieved_occupancy_pct"), pct(k, "theoretical_occupancy_pct"),
                      k.q("registers_per_thread") ? fmt::format("{:.0f}", k.qv("registers_per_thread")) : "n/a");
    Roofline roof = compute_roofline(k);
    if (!roof.bound.empty())
      md += fmt::format("- roofline: {:.3g} FLOP/B (ridge {:.3g}), {}-bound, {:.1f}% of the roof\n",
                        roof.intensity, roof.ridge, roof.bound, roof.pct_of_roof);
    std::vector<std::pair<double, std::string>> st;
    for (const auto& [q, v] : k.quantities)
      if (q.rfind("stall.", 0) == 0 && q != "stall.selected" && v > 0) st.emplace_back(v, q.substr(6));
    std::sort(st.rbegin(), st.rend());
    if (!st.empty()) {
      md += "- top warp stalls (warps per issue):";
      for (size_t i = 0; i < st.size() && i < 3; ++i) md += fmt::format(" {} {:.3g};", st[i].second, st[i].first);
      md += "\n";
    }
    if (!k.timeline.empty()) md += fmt::format("- timeline ({}): `|{}|`\n", k.timeline_metric, k.timeline);
    md += "\n| # | finding | severity | est. speedup | evidence |\n|---|---|---|---|---|\n";
    for (size_t i = 0; i < k.findings.size(); ++i) {
      const auto& f = k.findings[i];
      std::string ev;
      for (size_t j = 0; j < f.evidence.size() && j < 3; ++j) ev += (j ? "; " : "") + f.evidence[j].text();
      md += fmt::format("| {} | {} | {} | {:.1f}% ({}) | {} |\n", i + 1, f.category, f.severity,
                        f.estimated_speedup_pct, f.speedup_source, ev);
    }
    for (size_t i = 0; i < k.findings.size() && i < 3; ++i)
      md += fmt::format("{}Fix {} ({}): {}\n", i ? "" : "\n", i + 1, k.findings[i].category, k.findings[i].fix);
    if (!k.hotspots.empty()) {
      md += "\nHotspots:\n";
      for (size_t i = 0; i < k.hotspots.size() && i < 3; ++i) {
        const auto& h = k.hotspots[i];
        md += fmt::format("- line {} ({:.0f}% of samples, stall {}){}: `{}`", h.line, h.share_pct,
                          h.top_stall.empty() ? "n/a" : h.top_stall, h.inline_ptx ? " [inline PTX]" : "",
                          h.source.substr(0, 100));
        if (!h.ptx_lines.empty()) {
          md += " -> PTX lines";
          for (size_t j = 0; j < h.ptx_lines.size() && j < 6; ++j) md += fmt::format(" {}", h.ptx_lines[j]);
        }
        if (!h.sass.empty()) md += fmt::format(" -> SASS `{}`", h.sass.front());
        md += "\n";
      }
    }
    if (!k.missing.empty()) {
      md += fmt::format("\n<sub>metrics not in this report: {}", k.missing.size() > 8 ? fmt::format("{} quantities", k.missing.size()) : "");
      if (k.missing.size() <= 8)
        for (const auto& m : k.missing) md += m + " ";
      md += "</sub>\n";
    }
  }
  return md;
}

}  // namespace kda::profile
