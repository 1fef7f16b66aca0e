// RMSNorm over bf16 rows: y = x / sqrt(mean(x^2) + 1e-6) * w, accumulated in float.
#include <dlpack/dlpack.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#ifndef ROWS
#define ROWS 16
#endif

namespace {

float bf16_to_float(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

uint16_t float_to_bf16(float f) {  // round to nearest even, as torch's .to(bfloat16)
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x7fffffu)) return static_cast<uint16_t>((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

}  // namespace

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void*) {
  if (n_in != 2 || n_out != 1 || in[0].ndim != 2) return 1;
  const int64_t rows = in[0].shape[0], cols = in[0].shape[1];
  const auto* x = static_cast<const uint16_t*>(in[0].data);
  const auto* w = static_cast<const uint16_t*>(in[1].data);
  auto* y = static_cast<uint16_t*>(out[0].data);
#pragma omp parallel for schedule(static)
  for (int64_t chunk = 0; chunk < (rows + ROWS - 1) / ROWS; ++chunk) {
    for (int64_t r = chunk * ROWS; r < rows && r < (chunk + 1) * ROWS; ++r) {
      const uint16_t* xr = x + r * cols;
      float sq = 0.f;
      for (int64_t c = 0; c < cols; ++c) sq += bf16_to_float(xr[c]) * bf16_to_float(xr[c]);
      const float inv = 1.f / std::sqrt(sq / static_cast<float>(cols) + 1e-6f);
      for (int64_t c = 0; c < cols; ++c) y[r * cols + c] = float_to_bf16(bf16_to_float(xr[c]) * inv * bf16_to_float(w[c]));
    }
  }
  return 0;
}
