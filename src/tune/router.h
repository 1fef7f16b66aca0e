// Router emission (kda tune): a Solution whose kda_entry computes the regime key from the tensor
// shapes it is called with and forwards to the specialist of that regime. Each specialist's
// sources are copied under specialists/<i>/ and compiled into the router's one translation
// unit inside their own namespace, with their parameters #defined around the inclusion, so
// variants of one source (same kernel names, same macros, different values) coexist in one
// library without clashing symbols or one specialist's macros leaking into the next.
//
// What this asks of a specialist (the examples and the usual single-file kernel meet it): its
// system headers (#include <...>) can be included first at global scope; names it must share
// across specialists are extern "C" only for its entry point; headers it includes by quotes
// are its own. Output: DIR/solution.json, DIR/router.{cc,cu}, DIR/specialists/, DIR/regimes.json.
#pragma once

#include <filesystem>
#include <vector>

#include "core/json_io.h"
#include "task/definition.h"
#include "task/solution.h"
#include "tune/regimes.h"
#include "tune/variants.h"

namespace kda {

inline constexpr int kRegimesSchemaVersion = 2;  ///< 2: a regime may hold an inner level ("inner")

struct RouterInput {
  std::string name;                    ///< the router solution's name
  std::string backend;                 ///< cpu | cuda | hip
  const Definition* definition = nullptr;
  Segmentation segmentation;           ///< variant indices refer to `variants`
  std::vector<Variant> variants;
  Json tuned_on;                       ///< {device, toolchain, workloads}: recorded in regimes.json
};

/// Writes the router into `dir` (replacing what an earlier run wrote there) and returns it as
/// loaded back from disk. Throws kda::Error(kInput) when a regime axis appears in no tensor shape.
Solution write_router(const std::filesystem::path& dir, const RouterInput& in);

/// The regime table (regimes.json) for `in`; docs/tune.md describes the format.
Json regime_table(const RouterInput& in);
/// One line for people: "N < 2897: v1; N < 23171: [M < 91: v2; else: v3]; else: v4".
std::string describe_regimes(const Json& table);

}  // namespace kda
