#include "eval/float_scan.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/parallel.h"

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

// [e, e + n) of an output whose first elements are first_e and first_a.
KDA_CLONES void finite_loop(const float* e, const float* a, size_t n, double first_e, double first_a, double atol,
                            double rtol, OutputScan* out) {
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
  // Split over the host's cores in chunks of at least 1 MB of each side; each chunk is scanned
  // as a whole output would be, against the output's first elements, and the parts combine
  // exactly (sums, maxima and conjunctions), so the result does not depend on the split.
  const size_t chunks = chunk_count(n, size_t{1} << 18);
  std::vector<OutputScan> part(chunks);
  std::vector<char> finite(chunks, 0);
  const double first_e = expected[0], first_a = actual[0];
  parallel_chunks(n, chunks, [&](size_t c, size_t begin, size_t end) {
    const size_t len = end - begin;
    if (count_nonfinite(reinterpret_cast<const uint32_t*>(expected + begin), reinterpret_cast<const uint32_t*>(actual + begin),
                        len) != 0)
      return;
    finite_loop(expected + begin, actual + begin, len, first_e, first_a, atol, rtol, &part[c]);
    finite[c] = 1;
  });
  OutputScan r;
  for (size_t c = 0; c < chunks; ++c) {
    if (!finite[c]) return false;
    r.outside += part[c].outside;
    r.max_abs = std::max(r.max_abs, part[c].max_abs);
    r.max_rel = std::max(r.max_rel, part[c].max_rel);
    r.expected_constant = r.expected_constant && part[c].expected_constant;
    r.actual_constant = r.actual_constant && part[c].actual_constant;
    r.actual_zero = r.actual_zero && part[c].actual_zero;
  }
  *out = r;
  return true;
}

}  // namespace kda
