// rmsnorm, the simple starting point of a GPU run (kda run --start): as the baseline, each row's
// sum of squares is accumulated in double and every element divided by the row's rms; what is
// tunable is how a row's work is split. THREADS_PER_ROW 1 is the baseline itself (one thread
// per row: neighbouring threads read addresses D floats apart, and few rows leave the GPU
// idle); 32 or 256 threads per row read consecutive addresses and reduce their partial sums in
// shared memory. BLOCK: threads per block (a multiple of THREADS_PER_ROW). eps = 1e-6.
#include <dlpack/dlpack.h>
#include <cuda_runtime.h>
#include <cstdint>

#ifndef THREADS_PER_ROW
#define THREADS_PER_ROW 1
#endif
#ifndef BLOCK
#define BLOCK 128
#endif
#ifndef EPS
#define EPS 1e-6f
#endif

namespace {

constexpr int kTpr = THREADS_PER_ROW < BLOCK ? THREADS_PER_ROW : BLOCK;  // a power of two
constexpr int kRowsPerBlock = BLOCK / kTpr;

__global__ void __launch_bounds__(BLOCK) rmsnorm_split_rows(const float* x, const float* w, float* y, int64_t m, int64_t d) {
  __shared__ double part[BLOCK];
  const int lane = threadIdx.x % kTpr, slot = threadIdx.x / kTpr;
  const int64_t r = blockIdx.x * static_cast<int64_t>(kRowsPerBlock) + slot;
  const float* xr = x + r * d;
  double ss = 0.0;
  if (r < m)
    for (int64_t j = lane; j < d; j += kTpr) ss += static_cast<double>(xr[j]) * xr[j];
  part[threadIdx.x] = ss;
  __syncthreads();
  // Tree over the lanes of one row; every thread reaches every barrier.
  for (int s = kTpr / 2; s > 0; s /= 2) {
    if (lane < s) part[threadIdx.x] += part[threadIdx.x + s];
    __syncthreads();
  }
  if (r >= m) return;
  const float rms = sqrtf(static_cast<float>(part[slot * kTpr] / static_cast<double>(d)) + EPS);
  float* yr = y + r * d;
  for (int64_t j = lane; j < d; j += kTpr) yr[j] = xr[j] / rms * w[j];
}

}  // namespace

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void* stream) {
  if (n_in != 2 || n_out != 1 || in[0].ndim != 2 || in[1].ndim != 1 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLFloat || in[0].dtype.bits != 32 || in[1].dtype.bits != 32) return 1;
  const int64_t m = in[0].shape[0], d = in[0].shape[1];
  if (in[1].shape[0] != d) return 1;
  if (m == 0 || d == 0) return 0;
  const int64_t blocks = (m + kRowsPerBlock - 1) / kRowsPerBlock;
  if (blocks > 0x7fffffff) return 1;
  rmsnorm_split_rows<<<static_cast<unsigned>(blocks), BLOCK, 0, static_cast<cudaStream_t>(stream)>>>(
      static_cast<const float*>(in[0].data), static_cast<const float*>(in[1].data), static_cast<float*>(out[0].data), m, d);
  return cudaGetLastError() == cudaSuccess ? 0 : 2;
}
