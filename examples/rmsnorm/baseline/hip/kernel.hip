// rmsnorm baseline on the GPU: one thread per row; a serial sum of squares (in double, as the CPU
// baseline), then a division per element; eps = 1e-6. Neighbouring threads read addresses D
// floats apart (uncoalesced), and few long rows leave the GPU idle.
// HIP port of ../cuda (same algorithm); compiled in CI for gfx90a, never run on AMD hardware.
#include <dlpack/dlpack.h>
#include <hip/hip_runtime.h>
#include <cstdint>

#ifndef EPS
#define EPS 1e-6f
#endif

__global__ void rmsnorm_row_per_thread(const float* x, const float* w, float* y, int64_t m, int64_t d) {
  const int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (r >= m) return;
  const float* xr = x + r * d;
  float* yr = y + r * d;
  double ss = 0.0;
  for (int64_t j = 0; j < d; ++j) ss += static_cast<double>(xr[j]) * xr[j];
  const float rms = sqrtf(static_cast<float>(ss / static_cast<double>(d)) + EPS);
  for (int64_t j = 0; j < d; ++j) yr[j] = xr[j] / rms * w[j];
}

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void* stream) {
  if (n_in != 2 || n_out != 1 || in[0].ndim != 2 || in[1].ndim != 1 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLFloat || in[0].dtype.bits != 32 || in[1].dtype.bits != 32) return 1;
  const int64_t m = in[0].shape[0], d = in[0].shape[1];
  if (in[1].shape[0] != d) return 1;
  if (m == 0 || d == 0) return 0;
  const int threads = 128;
  const int64_t blocks = (m + threads - 1) / threads;
  rmsnorm_row_per_thread<<<static_cast<unsigned>(blocks), threads, 0, static_cast<hipStream_t>(stream)>>>(
      static_cast<const float*>(in[0].data), static_cast<const float*>(in[1].data), static_cast<float*>(out[0].data), m, d);
  return hipGetLastError() == hipSuccess ? 0 : 2;
}
