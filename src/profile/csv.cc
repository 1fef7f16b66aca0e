#include "profile/csv.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace kda::profile {

std::optional<size_t> CsvTable::column(size_t header_row, std::string_view name) const {
  if (header_row >= rows.size()) return std::nullopt;
  const auto& f = rows[header_row].fields;
  for (size_t i = 0; i < f.size(); ++i)
    if (f[i] == name) return i;
  return std::nullopt;
}

size_t CsvTable::require_column(size_t header_row, std::string_view name) const {
  auto c = column(header_row, name);
  if (!c) {
    size_t line = header_row < rows.size() ? rows[header_row].line : 1;
    fail_at(line, "missing column \"" + std::string(name) +
                      "\" (is this the Nsight Compute CSV page that was expected?)");
  }
  return *c;
}

void CsvTable::fail_at(size_t line, const std::string& what) const {
  fail(ErrorKind::kInput, origin + ":" + std::to_string(line) + ": " + what);
}

CsvTable parse_csv(std::string_view text, const std::string& origin) {
  CsvTable t;
  t.origin = origin;
  size_t line = 1, i = 0, n = text.size();
  // Rough reservation: one row per ~200 bytes keeps reallocations rare on large pages.
  t.rows.reserve(n / 200 + 1);
  while (i < n) {
    CsvRow row;
    row.line = line;
    std::string field;
    bool row_done = false;
    while (!row_done) {
      field.clear();
      if (i < n && text[i] == '"') {
        size_t quote_line = line;
        ++i;
        for (;;) {
          if (i >= n) t.fail_at(quote_line, "unterminated quoted field (file truncated?)");
          char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') { field.push_back('"'); i += 2; continue; }
            // ncu does not escape quotes inside source text (asm("fma ..." : "+f"(x))): a quote
            // that is not followed by a separator or the end of the line is taken literally.
            if (i + 1 < n && text[i + 1] != ',' && text[i + 1] != '\n' && text[i + 1] != '\r') {
              field.push_back('"');
              ++i;
              continue;
            }
            ++i;
            break;
          }
          if (c == '\0') t.fail_at(line, "NUL byte inside a field (binary or corrupt file?)");
          if (c == '\n') ++line;
          field.push_back(c);
          ++i;
        }
        if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
          t.fail_at(line, "unexpected character after a closing quote");
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') t.fail_at(line, "stray quote inside an unquoted field");
          if (text[i] == '\0') t.fail_at(line, "NUL byte in the file (binary or corrupt file?)");
          field.push_back(text[i]);
          ++i;
        }
      }
      row.fields.push_back(std::move(field));
      field = std::string();
      if (i >= n) { row_done = true; break; }
      if (text[i] == ',') { ++i; continue; }
      if (text[i] == '\r') ++i;
      if (i < n && text[i] == '\n') { ++i; ++line; }
      row_done = true;
    }
    // Skip lines that are empty (a lone empty field).
    if (!(row.fields.size() == 1 && row.fields[0].empty())) t.rows.push_back(std::move(row));
  }
  return t;
}

CsvTable read_csv_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorKind::kNotFound, path + ": cannot open (does the file exist?)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_csv(ss.str(), path);
}

std::optional<double> parse_number(std::string_view text) {
  std::string s;
  s.reserve(text.size());
  for (char c : text)
    if (c != ',' && c != ' ' && c != '"') s.push_back(c);
  if (s.empty() || s == "-" || s == "n/a") return std::nullopt;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || errno == ERANGE) return std::nullopt;
  // Accept a trailing unit such as "%" but not arbitrary text.
  if (*end != '\0' && *end != '%') return std::nullopt;
  return v;
}

}  // namespace kda::profile
