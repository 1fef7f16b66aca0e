// Workload: one set of axis values and input recipes (flashinfer-bench's workload line, which is
// a Trace whose solution and evaluation are null; a bare {"uuid","axes","inputs"} object is also
// accepted). kda extension: "kda": {"split": "public" | "hidden"}.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/json_io.h"

namespace kda {

inline constexpr int kWorkloadSchemaVersion = 1;

enum class Split { kPublic, kHidden };
const char* to_string(Split s);

struct InputRecipe {
  enum class Kind { kRandom, kScalar, kSafetensors };
  Kind kind = Kind::kRandom;
  double scalar = 0;            ///< kScalar
  std::string path;             ///< kSafetensors: relative to the task/dataset root
  std::string tensor_key;       ///< kSafetensors
};

struct Workload {
  std::string uuid;
  std::string definition;  ///< definition name if the line names one
  std::map<std::string, int64_t> axes;
  std::map<std::string, InputRecipe> inputs;  ///< inputs not listed default to random
  Split split = Split::kPublic;
  Json raw;
  std::string origin;  ///< "file:line" it was read from (load_workloads), for later errors

};

Workload parse_workload(const Json& j, const std::string& origin);
/// Reads a JSONL file; blank lines skipped; errors name "file:line". Duplicate uuids rejected.
std::vector<Workload> load_workloads(const std::filesystem::path& path);
/// One JSONL line in flashinfer-bench's shape (definition, solution=null, workload, evaluation=null).
Json to_json(const Workload& w);

}  // namespace kda
