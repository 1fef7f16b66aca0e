#include "profile/details_page.h"

#include <algorithm>
#include <unordered_map>

namespace kda::profile {
namespace {

double to_base(double v, const std::string& unit) {
  if (unit == "s" || unit == "second") return v * 1e9;
  if (unit == "ms" || unit == "msecond") return v * 1e6;
  if (unit == "us" || unit == "usecond") return v * 1e3;
  return v;
}

}  // namespace

std::vector<Kernel> read_details_page(const CsvTable& csv) {
  if (csv.rows.empty()) csv.fail_at(1, "empty details page");
  const size_t id = csv.require_column(0, "ID");
  const size_t name = csv.require_column(0, "Kernel Name");
  const size_t section = csv.require_column(0, "Section Name");
  const size_t metric = csv.require_column(0, "Metric Name");
  const auto unit = csv.column(0, "Metric Unit");
  const size_t value = csv.require_column(0, "Metric Value");
  const auto block = csv.column(0, "Block Size");
  const auto grid = csv.column(0, "Grid Size");
  const auto rule = csv.column(0, "Rule Name");
  const auto rule_type = csv.column(0, "Rule Type");
  const auto rule_desc = csv.column(0, "Rule Description");
  const auto sp_type = csv.column(0, "Estimated Speedup Type");
  const auto sp = csv.column(0, "Estimated Speedup");
  size_t needed = std::max({id, name, section, metric, value});
  std::vector<Kernel> out;
  std::unordered_map<std::string, size_t> by_id;
  for (size_t r = 1; r < csv.rows.size(); ++r) {
    const auto& f = csv.rows[r].fields;
    if (f.size() <= needed)
      csv.fail_at(csv.rows[r].line, "row has " + std::to_string(f.size()) +
                                        " fields, expected at least " + std::to_string(needed + 1) +
                                        " (truncated or corrupt?)");
    auto get = [&](std::optional<size_t> c) -> std::string {
      return c && *c < f.size() ? f[*c] : std::string();
    };
    auto [it, inserted] = by_id.try_emplace(f[id], out.size());
    if (inserted) {
      Kernel k;
      k.id = f[id];
      k.name = f[name];
      if (k.name.empty()) csv.fail_at(csv.rows[r].line, "empty \"Kernel Name\"");
      k.block = get(block);
      k.grid = get(grid);
      out.push_back(std::move(k));
    }
    Kernel& k = out[it->second];
    std::string rn = get(rule);
    if (!rn.empty()) {
      ToolRule tr;
      tr.name = rn;
      tr.type = get(rule_type);
      tr.description = get(rule_desc);
      tr.speedup_type = get(sp_type);
      tr.speedup_pct = parse_number(get(sp));
      k.rules.push_back(std::move(tr));
      continue;
    }
    if (f[metric].empty()) continue;
    if (auto v = parse_number(f[value]))
      k.metrics[f[section] + "/" + f[metric]] = to_base(*v, get(unit));
  }
  return out;
}

void merge_details(std::vector<Kernel>& into, std::vector<Kernel> details) {
  for (auto& d : details) {
    Kernel* target = nullptr;
    for (auto& k : into)
      if (k.id == d.id && k.name == d.name) target = &k;
    if (!target) {
      into.push_back(std::move(d));
      continue;
    }
    for (auto& [m, v] : d.metrics) target->metrics.emplace(m, v);
    target->rules = std::move(d.rules);
    if (target->block.empty()) target->block = d.block;
    if (target->grid.empty()) target->grid = d.grid;
  }
}

}  // namespace kda::profile
