// softmax_bf16, improved for CPUs: rows spread over cores with OpenMP (or, for few long rows,
// each row split across threads); bfloat16 widened with a shift and narrowed with a
// round-to-nearest-even add, both vectorisable; a polynomial exp in plain float arithmetic the
// compiler vectorises (libm's expf does not without -ffast-math). The output is bfloat16, so the
// exponentials are recomputed in the write pass instead of being kept in a float scratch row.
//
// exp(t) for t <= 0: t = k*ln2 + r with |r| <= ln2/2, exp(r) by a degree-7 Taylor polynomial,
// times 2^k built in the exponent bits; t clamped at -87 so that 2^k stays a normal float.
#include <dlpack/dlpack.h>
#include <omp.h>
#include <cmath>
#include <cstdint>
#include <cstring>

#ifndef ROW_SPLIT_MIN
#define ROW_SPLIT_MIN 32768  // rows at least this long are split across threads when rows are few
#endif

namespace {

#pragma omp declare simd notinbranch
inline float widen(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

#pragma omp declare simd notinbranch
inline uint16_t narrow(float f) {  // round to nearest even; inputs here are finite
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

#pragma omp declare simd notinbranch
inline float exp_neg(float t) {
  t = t < -87.0f ? -87.0f : t;
  const float shift = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  float kf = t * 1.44269504088896341f + shift;
  kf -= shift;
  float r = t - kf * 0.693145751953125f;
  r -= kf * 1.42860682030941723e-6f;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t bits = (static_cast<int32_t>(kf) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

float row_max(const uint16_t* __restrict x, int64_t d) {
  float m = -INFINITY;
#pragma omp simd reduction(max : m)
  for (int64_t j = 0; j < d; ++j) {
    const float v = widen(x[j]);
    m = v > m ? v : m;
  }
  return m;
}

float row_sum(const uint16_t* __restrict x, int64_t d, float m) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t j = 0; j < d; ++j) s += exp_neg(widen(x[j]) - m);
  return s;
}

void row_write(const uint16_t* __restrict x, uint16_t* __restrict y, int64_t d, float m, float inv) {
#pragma omp simd
  for (int64_t j = 0; j < d; ++j) y[j] = narrow(exp_neg(widen(x[j]) - m) * inv);
}

void one_row(const uint16_t* x, uint16_t* y, int64_t d) {
  const float m = row_max(x, d);
  row_write(x, y, d, m, 1.0f / row_sum(x, d, m));
}

}  // namespace

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void*) {
  if (n_in != 1 || n_out != 1 || in[0].ndim != 2 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLBfloat || in[0].dtype.bits != 16) return 1;
  const int64_t m = in[0].shape[0], d = in[0].shape[1];
  const uint16_t* x = static_cast<const uint16_t*>(in[0].data);
  uint16_t* y = static_cast<uint16_t*>(out[0].data);
  if (m == 0 || d == 0) return 0;
  const int threads = omp_get_max_threads();
  if (m * d < (1 << 17) || threads == 1) {  // too small for threads to pay off
    for (int64_t r = 0; r < m; ++r) one_row(x + r * d, y + r * d, d);
    return 0;
  }
  if (m >= threads || d < ROW_SPLIT_MIN) {
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < m; ++r) one_row(x + r * d, y + r * d, d);
    return 0;
  }
  for (int64_t r = 0; r < m; ++r) {  // few long rows: each thread takes a slice of the row
    const uint16_t* xr = x + r * d;
    uint16_t* yr = y + r * d;
    float mx = -INFINITY, sum = 0.0f;
#pragma omp parallel
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      const int64_t lo = d * t / nt, hi = d * (t + 1) / nt;
      const float local_m = row_max(xr + lo, hi - lo);
#pragma omp critical
      mx = local_m > mx ? local_m : mx;
#pragma omp barrier
      const float local_s = row_sum(xr + lo, hi - lo, mx);
#pragma omp atomic
      sum += local_s;
#pragma omp barrier
      row_write(xr + lo, yr + lo, hi - lo, mx, 1.0f / sum);
    }
  }
  return 0;
}
