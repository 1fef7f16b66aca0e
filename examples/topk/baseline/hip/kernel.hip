// top-k baseline on the GPU: one thread per row keeps a min-heap of the K best positions seen so
// far, stored in the row's own output, and offers it every score of the row in turn. Serial
// dependent loads (uncoalesced across threads, since rows are N floats apart), and a few rows
// leave almost all of the GPU idle. What a first attempt looks like. Order: larger
// order-preserving key (larger float) first, then lower position.
// HIP port of ../cuda (same algorithm); compiled in CI for gfx90a, never run on AMD hardware.
#include <dlpack/dlpack.h>
#include <hip/hip_runtime.h>
#include <cstdint>

__device__ unsigned key_of(float f) {
  const unsigned u = __float_as_uint(f);
  return u ^ ((u >> 31) ? 0xffffffffu : 0x80000000u);
}

// True when position a ranks below position b (the min-heap's order).
__device__ bool below(const float* xr, int a, int b) {
  const unsigned ka = key_of(xr[a]), kb = key_of(xr[b]);
  return ka < kb || (ka == kb && a > b);
}

__device__ void sift_down(const float* xr, int* h, int64_t k, int64_t i) {
  for (;;) {
    int64_t c = 2 * i + 1;
    if (c >= k) return;
    if (c + 1 < k && below(xr, h[c + 1], h[c])) ++c;
    if (!below(xr, h[c], h[i])) return;
    const int t = h[c];
    h[c] = h[i];
    h[i] = t;
    i = c;
  }
}

__global__ void topk_row_per_thread(const float* x, int* y, int64_t m, int64_t n, int64_t k) {
  const int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (r >= m) return;
  const float* xr = x + r * n;
  int* h = y + r * k;
  for (int64_t i = 0; i < k; ++i) h[i] = static_cast<int>(i);
  for (int64_t i = k / 2 - 1; i >= 0; --i) sift_down(xr, h, k, i);
  for (int64_t i = k; i < n; ++i)
    if (below(xr, h[0], static_cast<int>(i))) {
      h[0] = static_cast<int>(i);
      sift_down(xr, h, k, 0);
    }
}

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void* stream) {
  if (n_in != 1 || n_out != 1 || in[0].ndim != 2 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLFloat || in[0].dtype.bits != 32) return 1;
  if (out[0].dtype.code != kDLInt || out[0].dtype.bits != 32) return 1;
  const int64_t m = in[0].shape[0], n = in[0].shape[1], k = out[0].shape[1];
  if (out[0].shape[0] != m || k < 0 || k > n || n > 0x7fffffff) return 1;
  if (m == 0 || k == 0) return 0;
  const int threads = 128;
  const int64_t blocks = (m + threads - 1) / threads;
  topk_row_per_thread<<<static_cast<unsigned>(blocks), threads, 0, static_cast<hipStream_t>(stream)>>>(
      static_cast<const float*>(in[0].data), static_cast<int*>(out[0].data), m, n, k);
  return hipGetLastError() == hipSuccess ? 0 : 2;
}
