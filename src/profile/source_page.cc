#include "profile/source_page.h"

#include <algorithm>
#include <regex>

namespace kda::profile {
namespace {

bool has_asm(const std::string& s) {
  static const std::regex re(R"((^|[^A-Za-z0-9_])(asm|__asm__)\s*(volatile|__volatile__)?\s*\()");
  return std::regex_search(s, re);
}

// The first instruction mnemonic inside the asm string: asm("fma.rn.f32 %0, ...") -> fma.rn.f32
std::string asm_mnemonic(const std::string& s) {
  auto q = s.find('"');
  if (q == std::string::npos) return {};
  size_t i = q + 1;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  size_t j = i;
  while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.' || s[j] == '_')) ++j;
  return s.substr(i, j - i);
}

// A section's header names its columns; they are found wherever they stand, since ncu's column
// order varies with the version and the metrics exported.
bool is_header(const std::vector<std::string>& f) {
  auto has = [&](const char* n) { return std::find(f.begin(), f.end(), n) != f.end(); };
  return has("Source") && (has("Line No") || has("Address") || has("# Address"));
}

}  // namespace

SourcePage read_source_page(const CsvTable& csv, size_t max_hotspots) {
  SourcePage page;
  std::vector<Hotspot> lines;
  std::vector<std::vector<std::pair<double, std::string>>> sass;
  double total = 0;
  std::string file;
  bool have_header = false, line_mode = false;
  std::optional<size_t> line_col, samples_col, addr_col;
  size_t cuda_src = 0, sass_src = 0, needed = 0;
  std::vector<std::pair<size_t, std::string>> stall_cols;
  // A page holds one section per source file: "File Path", "Function Name", header, rows.
  for (size_t r = 0; r < csv.rows.size(); ++r) {
    const auto& f = csv.rows[r].fields;
    if (f.size() == 2 && f[0] == "File Path") { file = f[1]; continue; }
    if (f.size() == 2 && f[0] == "Function Name") { page.function = f[1]; continue; }
    if (is_header(f)) {
      have_header = true;
      line_col = csv.column(r, "Line No");
      line_mode = line_col.has_value();
      samples_col = csv.column(r, "Warp Stall Sampling (All Samples)");
      addr_col = csv.column(r, "Address");
      if (!addr_col) addr_col = csv.column(r, "# Address");
      std::vector<size_t> src_cols;
      stall_cols.clear();
      for (size_t c = 0; c < f.size(); ++c) {
        if (f[c] == "Source") src_cols.push_back(c);
        if (f[c].rfind("stall_", 0) == 0 && f[c].find("Not Issued") == std::string::npos &&
            f[c] != "stall_selected" && f[c] != "stall_not_selected")
          stall_cols.emplace_back(c, f[c].substr(6));
      }
      cuda_src = src_cols.empty() ? 0 : src_cols.front();
      sass_src = src_cols.size() > 1 ? src_cols[1] : cuda_src;
      needed = std::max({cuda_src, sass_src, samples_col.value_or(0), line_col.value_or(0)});
      for (auto& [c, n] : stall_cols) needed = std::max(needed, c);
      continue;
    }
    if (!have_header)
      csv.fail_at(csv.rows[r].line, "data before a header row with \"Source\" and \"Line No\" or \"Address\" columns (not a source page?)");
    if (!samples_col) continue;  // no sampling data in this section
    if (f.size() <= needed)
      csv.fail_at(csv.rows[r].line, "row has " + std::to_string(f.size()) + " fields, expected at least " +
                                        std::to_string(needed + 1) + " (truncated or corrupt?)");
    double s = parse_number(f[*samples_col]).value_or(0);
    bool is_cuda_line = line_mode && !f[*line_col].empty();
    if (is_cuda_line || !line_mode) {
      Hotspot hs;
      hs.file = file;
      hs.line = line_mode ? static_cast<int>(parse_number(f[*line_col]).value_or(0)) : 0;
      hs.source = line_mode ? f[cuda_src] : f[sass_src];
      if (!line_mode && addr_col) hs.source = f[*addr_col] + " " + hs.source;
      hs.samples = s;
      double best = 0;
      for (const auto& [c, n] : stall_cols) {
        double v = parse_number(f[c]).value_or(0);
        if (v > best) { best = v; hs.top_stall = n; }
      }
      hs.inline_ptx = has_asm(hs.source);
      total += s;
      lines.push_back(std::move(hs));
      sass.emplace_back();
    } else if (!lines.empty()) {
      std::string text = f[sass_src];
      auto b = text.find_first_not_of(" \t");
      sass.back().emplace_back(s, b == std::string::npos ? text : text.substr(b));
    }
  }
  if (!have_header)
    csv.fail_at(csv.rows.empty() ? 1 : csv.rows.back().line,
                "no header row with \"Source\" and \"Line No\" or \"Address\" columns (not a source page?)");
  for (size_t i = 0; i < lines.size(); ++i) {
    auto& ins = sass[i];
    std::stable_sort(ins.begin(), ins.end(), [](auto& a, auto& b) { return a.first > b.first; });
    for (size_t j = 0; j < ins.size() && j < 3; ++j) lines[i].sass.push_back(ins[j].second);
    lines[i].share_pct = total > 0 ? 100.0 * lines[i].samples / total : 0;
  }
  std::stable_sort(lines.begin(), lines.end(), [](auto& a, auto& b) { return a.samples > b.samples; });
  for (auto& l : lines) {
    if (page.hotspots.size() >= max_hotspots || l.samples <= 0) break;
    page.hotspots.push_back(std::move(l));
  }
  return page;
}

PtxPage read_ptx_page(const CsvTable& csv) {
  PtxPage p;
  if (csv.rows.empty()) return p;
  auto line_col = csv.require_column(0, "Line No");
  auto src_col = csv.require_column(0, "Source");
  for (size_t r = 1; r < csv.rows.size(); ++r) {
    const auto& f = csv.rows[r].fields;
    if (f.size() <= std::max(line_col, src_col)) csv.fail_at(csv.rows[r].line, "short row");
    p.lines.emplace_back(static_cast<int>(parse_number(f[line_col]).value_or(0)), f[src_col]);
  }
  return p;
}

void link_ptx(std::vector<Hotspot>& hotspots, const PtxPage& ptx, const std::string& kernel) {
  // The kernel's entry: from ".entry <mangled containing name>" to the next ".entry".
  size_t begin = ptx.lines.size(), end = ptx.lines.size();
  for (size_t i = 0; i < ptx.lines.size(); ++i) {
    const auto& t = ptx.lines[i].second;
    if (t.find(".entry") == std::string::npos) continue;
    if (begin == ptx.lines.size() && t.find(kernel) != std::string::npos) begin = i;
    else if (begin != ptx.lines.size()) { end = i; break; }
  }
  if (begin == ptx.lines.size()) return;
  for (auto& h : hotspots) {
    if (!h.inline_ptx) continue;
    std::string m = asm_mnemonic(h.source);
    if (m.empty()) continue;
    for (size_t i = begin; i < end; ++i) {
      const auto& t = ptx.lines[i].second;
      auto b = t.find_first_not_of(" \t");
      if (b != std::string::npos && t.compare(b, m.size(), m) == 0 &&
          (t.size() == b + m.size() || t[b + m.size()] == ' ' || t[b + m.size()] == '\t'))
        h.ptx_lines.push_back(ptx.lines[i].first);
    }
  }
}

}  // namespace kda::profile
