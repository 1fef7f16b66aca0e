// top-k reference on the GPU: one block per row sorts every (score, position) pair of the row in
// global scratch with a bitonic network, descending, and keeps the first K. Each pair is one
// 64-bit value (key << 32 | ~position), so values are distinct and the order is: larger score
// first, NaN above every number (as torch.topk), then lower position; the answer is unique.
// HIP port of ../cuda (same algorithm); compiled in CI for gfx90a, never run on AMD hardware.
#include <dlpack/dlpack.h>
#include <hip/hip_runtime.h>
#include <cstdint>

constexpr int kThreads = 512;

__device__ unsigned long long pack(float f, int64_t i) {
  const unsigned u = __float_as_uint(f);
  const unsigned key = f != f ? 0xffffffffu : u ^ ((u >> 31) ? 0xffffffffu : 0x80000000u);
  return (static_cast<unsigned long long>(key) << 32) | ~static_cast<unsigned>(i);
}

// p: a power of two >= n. Padding is 0, below every real value (~position > 0).
__global__ void topk_ref(const float* x, int* y, unsigned long long* scratch, int64_t n, int64_t p, int64_t k) {
  const float* xr = x + blockIdx.x * n;
  unsigned long long* s = scratch + blockIdx.x * p;
  for (int64_t i = threadIdx.x; i < p; i += kThreads) s[i] = i < n ? pack(xr[i], i) : 0ull;
  __syncthreads();  // also orders global memory between the block's threads
  for (int64_t len = 2; len <= p; len <<= 1)
    for (int64_t j = len / 2; j > 0; j /= 2) {
      for (int64_t lo = threadIdx.x; lo < p; lo += kThreads) {
        const int64_t hi = lo ^ j;
        if (hi <= lo) continue;
        const unsigned long long a = s[lo], b = s[hi];
        const bool descending = (lo & len) == 0;
        if (descending ? a < b : a > b) {
          s[lo] = b;
          s[hi] = a;
        }
      }
      __syncthreads();
    }
  for (int64_t i = threadIdx.x; i < k; i += kThreads) y[blockIdx.x * k + i] = static_cast<int>(~static_cast<unsigned>(s[i]));
}

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void* stream) {
  if (n_in != 1 || n_out != 1 || in[0].ndim != 2 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLFloat || in[0].dtype.bits != 32) return 1;
  if (out[0].dtype.code != kDLInt || out[0].dtype.bits != 32) return 1;
  const int64_t m = in[0].shape[0], n = in[0].shape[1], k = out[0].shape[1];
  if (out[0].shape[0] != m || k < 0 || k > n || n > 0x7fffffff || m > 0x7fffffff) return 1;
  if (m == 0 || k == 0) return 0;
  int64_t p = 1;
  while (p < n) p <<= 1;
  hipStream_t s = static_cast<hipStream_t>(stream);
  unsigned long long* scratch = nullptr;
  // hipMalloc, not hipMallocAsync: the stream-ordered allocator is new in ROCm 5.2 (Debian's)
  // and a reference must work wherever it runs; its time is never judged.
  if (hipMalloc(reinterpret_cast<void**>(&scratch), static_cast<size_t>(m * p) * sizeof(*scratch)) != hipSuccess)
    return 2;
  topk_ref<<<static_cast<unsigned>(m), kThreads, 0, s>>>(static_cast<const float*>(in[0].data),
                                                        static_cast<int*>(out[0].data), scratch, n, p, k);
  const hipError_t launched = hipGetLastError();
  if (hipStreamSynchronize(s) != hipSuccess || hipFree(scratch) != hipSuccess) return 2;
  return launched == hipSuccess ? 0 : 2;
}
