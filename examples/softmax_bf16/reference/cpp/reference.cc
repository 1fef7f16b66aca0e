// softmax_bf16 reference: bfloat16 in and out (stored as uint16_t), computed in double, rounded
// to nearest even on store.
#include <dlpack/dlpack.h>
#include <cmath>
#include <cstdint>
#include <cstring>

static double bf16_to_double(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

static uint16_t float_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest, ties to even
  return static_cast<uint16_t>(u >> 16);
}

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void*) {
  if (n_in != 1 || n_out != 1 || in[0].ndim != 2 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLBfloat || in[0].dtype.bits != 16) return 1;
  const int64_t m = in[0].shape[0], d = in[0].shape[1];
  const uint16_t* x = static_cast<const uint16_t*>(in[0].data);
  uint16_t* y = static_cast<uint16_t*>(out[0].data);
  for (int64_t r = 0; r < m; ++r) {
    const uint16_t* xr = x + r * d;
    uint16_t* yr = y + r * d;
    double mx = -INFINITY;
    for (int64_t j = 0; j < d; ++j) mx = std::fmax(mx, bf16_to_double(xr[j]));
    double sum = 0.0;
    for (int64_t j = 0; j < d; ++j) sum += std::exp(bf16_to_double(xr[j]) - mx);
    for (int64_t j = 0; j < d; ++j)
      yr[j] = float_to_bf16(static_cast<float>(std::exp(bf16_to_double(xr[j]) - mx) / sum));
  }
  return 0;
}
