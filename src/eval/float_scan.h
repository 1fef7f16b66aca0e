// The vectorised common case of output checking (eval/compare.h): float32 outputs where every
// expected and actual element is finite — nothing unwritten (the poison pattern is a NaN), no NaN,
// no Inf — which is what every honest timed call produces. It computes exactly what the
// element-by-element scan would (same double arithmetic, same statistics); anything non-finite
// sends the caller back to that scan, which classifies it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kda {

/// What one pass over an output finds (also the element-by-element scan's result in compare.cc;
/// the finite path leaves unwritten, nan and inf at 0).
struct OutputScan {
  int64_t unwritten = 0, nan = 0, inf = 0;  ///< still poison / NaN / Inf where the reference is finite
  int64_t outside = 0;  ///< elements with |a-e| > atol and |a-e| > rtol*|e|
  double max_abs = 0, max_rel = 0;
  bool expected_constant = true;  ///< every |e - e[0]| <= atol
  bool actual_constant = true;    ///< every a == a[0]
  bool actual_zero = true;        ///< every a == 0
};

/// False when some element of `expected` or `actual` is NaN or Inf (then `out` is untouched).
bool scan_finite_f32(const float* expected, const float* actual, size_t n, double atol, double rtol, OutputScan* out);

}  // namespace kda
