#include "eval/float_scan.h"

#include <cmath>
#include <cstring>

// Built with -O3 -fno-trapping-math -ffinite-math-only -fno-signed-zeros -ffp-contract=off
// (src/eval/CMakeLists.txt), which lets the max reductions vectorise. That is sound here because
// finite_loop only runs once every input is known to be finite, and creates no NaN or Inf itself
// (it never divides by zero; double holds any quotient of two finite floats). The finiteness
// check works on the bits, so those flags cannot fold it away.
#if defined(__x86_64__) && defined(__GNUC__)
#define KDA_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define KDA_CLONES
#endif

namespace kda {
namespace {

KDA_CLONES size_t count_nonfinite(const uint32_t* e, const uint32_t* a, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; ++i)
    c += static_cast<size_t>(((e[i] & 0x7f800000u) == 0x7f800000u) | ((a[i] & 0x7f800000u) == 0x7f800000u));
  return c;
}

KDA_CLONES void finite_loop(const float* e, const float* a, size_t n, double atol, double rtol, OutputScan* out) {
  const double first_e = e[0], first_a = a[0];
  int64_t outside = 0;
  double max_abs = 0, max_rel = 0;
  int varies_e = 0, varies_a = 0, nonzero_a = 0;
  for (size_t i = 0; i < n; ++i) {
    const double ev = e[i], av = a[i];
    varies_e |= std::fabs(ev - first_e) > atol;
    varies_a |= av != first_a;
    nonzero_a |= av != 0;
    const double abs_err = std::fabs(av - ev), mag = std::fabs(ev);
    // The element scan skips the relative error where e == 0 (it is 0 or infinite there).
    const double rel = mag != 0 ? abs_err / (mag != 0 ? mag : 1.0) : 0.0;
    max_abs = max_abs < abs_err ? abs_err : max_abs;
    max_rel = max_rel < rel ? rel : max_rel;
    outside += (abs_err > atol) & (abs_err > rtol * mag);
  }
  out->outside = outside;
  out->max_abs = max_abs;
  out->max_rel = max_rel;
  out->expected_constant = !varies_e;
  out->actual_constant = !varies_a;
  out->actual_zero = !nonzero_a;
}

}  // namespace

bool scan_finite_f32(const float* expected, const float* actual, size_t n, double atol, double rtol, OutputScan* out) {
  if (n == 0) {
    *out = OutputScan{};
    return true;
  }
  static_assert(sizeof(float) == sizeof(uint32_t));
  if (count_nonfinite(reinterpret_cast<const uint32_t*>(expected), reinterpret_cast<const uint32_t*>(actual), n) != 0)
    return false;
  finite_loop(expected, actual, n, atol, rtol, out);
  return true;
}

}  // namespace kda
