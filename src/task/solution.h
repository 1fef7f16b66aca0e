// Solution: a candidate implementation (flashinfer-bench schema + "kda" extensions). Either a JSON
// file with embedded sources ("sources": [{"path","content"}]) or a directory holding
// solution.json whose sources are files beside it (sources listed by path, content absent).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/json_io.h"
#include "task/definition.h"

namespace kda {

inline constexpr int kSolutionSchemaVersion = 1;

struct Solution {
  std::string name;
  std::string definition;
  std::string author;
  std::string description;
  std::string language;                      ///< spec.language: cpp | cuda | hip | triton | python
  std::vector<std::string> target_hardware;  ///< spec.target_hardware
  std::string entry_point;                   ///< spec.entry_point "file::fn"
  std::vector<SourceFile> sources;           ///< always loaded with contents
  std::map<std::string, Json> params;        ///< kda.params: name -> value (tunables)
  /// kda.param_space: name -> the values a tuner or the built-in writer may try (each a param).
  std::map<std::string, std::vector<Json>> param_space;
  std::vector<std::string> extra_flags;      ///< kda.build_flags (appended to the compiler line)
  Json raw;

  std::string entry_file() const;      ///< part before "::"
  std::string entry_function() const;  ///< part after "::" ("kda_entry" if absent)
  /// Hash of name-independent content: language, entry point, sorted sources, params, flags.
  std::string content_hash() const;
};

/// `path` is a .json file or a directory containing solution.json. Paths in sources are checked
/// (relative, no "..", must exist for directory solutions). Errors name the file and field.
Solution load_solution(const std::filesystem::path& path);
Solution parse_solution(const Json& j, const std::string& origin);
Json to_json(const Solution& s);  ///< embedded-sources form

}  // namespace kda
