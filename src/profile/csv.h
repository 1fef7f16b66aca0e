// csv: an RFC-4180 reader for the CSV that Nsight Compute and rocprof write. Contract: quoted
// fields may hold commas, quotes ("") and newlines; rows may differ in length (the caller
// decides); every row remembers the line it started on so errors name FILE:LINE. A malformed
// file (unterminated quote, stray quote inside an unquoted field, NUL byte) throws
// kda::Error(kInput) "FILE:LINE: ...". Columns are found by name, never by position.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kda::profile {

struct CsvRow {
  size_t line = 0;  ///< 1-based line where the row starts
  std::vector<std::string> fields;
};

struct CsvTable {
  std::string origin;  ///< file name for error messages
  std::vector<CsvRow> rows;
  /// Index of the first column named `name` in row `header_row`, or nullopt.
  std::optional<size_t> column(size_t header_row, std::string_view name) const;
  /// Same, but throws kInput naming the file, line and missing column.
  size_t require_column(size_t header_row, std::string_view name) const;
  [[noreturn]] void fail_at(size_t line, const std::string& what) const;
};

/// Parses `text`; `origin` names the source in errors.
CsvTable parse_csv(std::string_view text, const std::string& origin);
/// Reads a file and parses it (kNotFound when missing).
CsvTable read_csv_file(const std::string& path);

/// Parses a number as ncu prints it: "1,051,744", "2.62", "3.2e-05", "n/a" -> nullopt.
std::optional<double> parse_number(std::string_view text);

}  // namespace kda::profile
