// Regime segmentation (kda tune): given the latency of every variant on every tuned shape, find
// the fewest shape regimes, each served by one specialist, that make the geometric-mean latency
// as low as the bound on specialists allows. A regime is an interval of a shape key: one var axis
// or the product of several (M*N). For each key, dynamic programming over the sorted distinct
// key values gives the best split into 1..max_regimes intervals. Where one key cannot describe
// the regimes (top-k: splitting a row pays for long rows only when the rows are few), a
// decision tree of depth two splits on one axis and then, within each interval, on another; its
// leaves count against the same bound. Which key or tree and how many regimes is decided by
// leave-one-out cross-validation (each tuned shape routed by a split fitted without it): the
// fewest regimes, a single key before a tree, and the simplest key within `tie_tolerance` of the
// best held-out cost. The training cost alone prefers thresholds that fit the tuned shapes'
// noise, and a router built that way loses to a single variant on shapes it never saw.
//
// Latencies are combined geometrically (sum of logs), not summed: a sum would let the largest
// shape decide every regime, while kda reports (and the acceptance criteria measure) geomeans.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json_io.h"

namespace kda {

using Shape = std::map<std::string, int64_t>;

/// The quantity regimes are thresholds on: the product of these axes' values.
struct RegimeKey {
  std::vector<std::string> axes;
  int64_t of(const Shape& s) const;  ///< saturates at INT64_MAX
  std::string label() const;         ///< "N", "M*N"
};

struct Regime {
  std::optional<int64_t> below;  ///< shapes whose key < below (none: the last, open regime)
  size_t variant = 0;            ///< index into the input's variants (a leaf's)
  /// A tree's second level: within this regime, `inner` (leaves) on `inner_key` route the
  /// shapes and `variant` is unused. Empty: this regime is a leaf.
  RegimeKey inner_key;
  std::vector<Regime> inner;
};

struct Segmentation {
  RegimeKey key;
  std::vector<Regime> regimes;      ///< ascending; the last has no bound
  double geomean_ms = 0;            ///< of the chosen variants over the tuned shapes
  double oracle_geomean_ms = 0;     ///< of the per-shape best variant
  double regret = 0;                ///< geomean_ms / oracle_geomean_ms - 1
  /// Leave-one-out estimate: each tuned shape routed by a segmentation fitted without it (0 when
  /// fewer than three shapes). Closer than geomean_ms to what unseen shapes will see.
  double held_out_geomean_ms = 0;

  size_t variant_for(const Shape& s) const;
  std::vector<size_t> specialists() const;  ///< distinct variants, in regime order
  size_t leaves() const;                    ///< regimes, counting a tree's inner regimes
  bool is_tree() const;
};

struct SegmentationInput {
  std::vector<std::string> var_axes;           ///< candidate key axes (the definition's var axes)
  std::vector<Shape> shapes;                   ///< tuned shapes
  std::vector<std::vector<double>> latency_ms; ///< [variant][shape]; +inf where it did not pass
  size_t max_regimes = 4;
  double tie_tolerance = 0.005;                ///< fewer regimes win unless 0.5 % slower
};

/// Throws kda::Error(kInput) when some shape has no passing variant (no router could pass it).
Segmentation segment(const SegmentationInput& in);

Json to_json(const RegimeKey& k);

}  // namespace kda
