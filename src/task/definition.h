// Definition: one operator (flashinfer-bench schema + kda extensions under "kda").
// File format: docs/formats.md. Inputs/outputs keep their JSON order: it is the ABI order.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json_io.h"
#include "task/dtype.h"

namespace kda {

inline constexpr int kDefinitionSchemaVersion = 1;

struct Axis {
  std::string name;
  bool is_const = false;
  int64_t value = 0;  ///< for const axes
  std::string description;
};

struct TensorSpec {
  std::string name;
  std::vector<std::string> shape;  ///< axis names or integer literals; empty = scalar
  DType dtype = DType::kFloat32;
  std::string description;
};

struct Tolerance {
  double atol = 1e-2;
  double rtol = 1e-2;
  double required_matched_ratio = 1.0;  ///< fraction of elements that must be within tolerance
};

struct SourceFile {
  std::string path;  ///< relative, no "..", no leading '/'
  std::string content;
};

/// A native (C++/CUDA/HIP) reference implementation exporting kda_entry (DESIGN §3).
struct NativeReference {
  std::string language;     ///< "cpp" | "cuda" | "hip"
  std::string entry_point;  ///< "file::function"; "kda_entry" when the file exports it itself
  std::vector<SourceFile> sources;
};

struct Definition {
  int schema_version = kDefinitionSchemaVersion;
  std::string name;
  std::string op_type;
  std::string description;
  std::vector<std::string> tags;
  std::vector<Axis> axes;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
  std::string reference;  ///< Python source (flashinfer-bench); optional for kda
  std::vector<NativeReference> native_references;  ///< kda.reference (one per language)
  Tolerance tolerance;                              ///< kda.tolerance
  std::string flops_expr;  ///< kda.flops: arithmetic over axis names, e.g. "2*M*N*K"
  std::string bytes_expr;  ///< kda.bytes
  std::string comparator = "allclose";  ///< kda.comparator: "allclose" | "topk_indices"
  Json raw;  ///< the document as read; unknown fields are kept when written back

  const Axis* find_axis(const std::string& name) const;
  const NativeReference* reference_for(const std::string& language) const;
};

/// Parses and validates (axes referenced by shapes exist, dtypes known, names unique).
/// Errors are kda::Error(kInput) naming origin and field.
Definition parse_definition(const Json& j, const std::string& origin);
Definition load_definition(const std::filesystem::path& path);
Json to_json(const Definition& d);

/// Axis values for a workload: const axes from the definition, var axes from `var_values`.
/// Throws kInput if a var axis is missing, negative, or an unknown axis is given.
std::map<std::string, int64_t> resolve_axes(const Definition& d,
                                            const std::map<std::string, int64_t>& var_values,
                                            const std::string& origin);
std::vector<int64_t> resolve_shape(const TensorSpec& t, const std::map<std::string, int64_t>& axes);

/// Evaluates "+ - * / ( )", integer and decimal literals and axis names; kInput on bad syntax or
/// unknown names. Used for kda.flops / kda.bytes.
double eval_formula(const std::string& expr, const std::map<std::string, int64_t>& axes,
                    const std::string& origin);

}  // namespace kda
