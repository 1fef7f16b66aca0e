#include "profile/raw_page.h"

namespace kda::profile {
namespace {

// "1,056 (0; 3; 7)" or "(0.00; 1; 2)": the values inside the parentheses.
bool parse_instances(const std::string& cell, std::vector<double>& out) {
  auto open = cell.find('(');
  auto close = cell.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  if (cell.find(';', open) == std::string::npos) return false;
  size_t start = open + 1;
  while (start < close) {
    size_t end = cell.find(';', start);
    if (end == std::string::npos || end > close) end = close;
    auto v = parse_number(std::string_view(cell).substr(start, end - start));
    out.push_back(v.value_or(0));
    start = end + 1;
  }
  return !out.empty();
}

}  // namespace

RawPage read_raw_page(const CsvTable& csv) {
  RawPage page;
  if (csv.rows.empty()) csv.fail_at(1, "empty raw page");
  const size_t id_col = csv.require_column(0, "ID");
  const size_t name_col = csv.require_column(0, "Kernel Name");
  const auto block_col = csv.column(0, "Block Size");
  const auto grid_col = csv.column(0, "Grid Size");
  const auto device_col = csv.column(0, "Device");
  const auto& header = csv.rows[0].fields;
  size_t first = 1;
  std::vector<std::string> units(header.size());
  if (csv.rows.size() > 1 && csv.rows[1].fields.size() == header.size() &&
      csv.rows[1].fields[id_col].empty()) {
    units = csv.rows[1].fields;
    first = 2;
  }
  for (size_t r = first; r < csv.rows.size(); ++r) {
    const auto& row = csv.rows[r];
    if (row.fields.size() != header.size())
      csv.fail_at(row.line, "row has " + std::to_string(row.fields.size()) + " fields, header has " +
                                std::to_string(header.size()) + " (truncated or corrupt?)");
    Kernel k;
    k.id = row.fields[id_col];
    k.name = row.fields[name_col];
    if (k.name.empty()) csv.fail_at(row.line, "empty \"Kernel Name\"");
    if (block_col) k.block = row.fields[*block_col];
    if (grid_col) k.grid = row.fields[*grid_col];
    std::map<std::string, std::vector<double>> inst;
    for (size_t c = 0; c < header.size(); ++c) {
      if (c == id_col || c == name_col) continue;
      const std::string& cell = row.fields[c];
      if (cell.empty()) continue;
      if (cell.find('(') != std::string::npos && cell.find(';') != std::string::npos) {
        std::vector<double> values;
        if (parse_instances(cell, values)) inst[header[c]] = std::move(values);
        auto agg = parse_number(std::string_view(cell).substr(0, cell.find('(')));
        if (agg) k.metrics[header[c]] = *agg;
        continue;
      }
      if (auto v = parse_number(cell)) {
        k.metrics[header[c]] = *v;
        if (!units[c].empty()) k.units[header[c]] = units[c];
      } else if (header[c] == "device__attribute_display_name") {
        k.device = cell;
      }
    }
    if (device_col && k.device.empty()) k.device = "device " + row.fields[*device_col];
    page.kernels.push_back(std::move(k));
    page.instances.push_back(std::move(inst));
  }
  return page;
}

}  // namespace kda::profile
