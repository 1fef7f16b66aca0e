// Variants (kda tune): a solution's declared tunables (kda.param_space: name -> values) expand
// into the cartesian product of their values, each a Solution with those kda.params baked in
// (the build passes them as -DNAME=value), so every variant has its own content hash and build.
#pragma once

#include <string>
#include <vector>

#include "core/json_io.h"
#include "task/solution.h"

namespace kda {

struct Variant {
  Solution solution;   ///< params set; name "<solution>[A=1,B=2]"
  std::string origin;  ///< the solution it came from
  std::string label;   ///< "A=1,B=2" ("defaults" without a param space)
  Json params;         ///< the full kda.params of this variant
  std::string hash;    ///< solution.content_hash()
};

/// Throws kda::Error(kInput) for a non-scalar or empty value list, or when the product exceeds
/// `limit` variants (a sweep that large is a mistake, not a plan).
std::vector<Variant> expand_variants(const Solution& s, size_t limit = 256);

}  // namespace kda
