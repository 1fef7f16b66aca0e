// softmax reference on the GPU: one block per row; max, then the sum of exp in double, then
// the normalised output; exp evaluated in double. Simple tree reductions in shared memory.
// HIP port of ../cuda (same algorithm); compiled in CI for gfx90a, never run on AMD hardware.
#include <dlpack/dlpack.h>
#include <hip/hip_runtime.h>
#include <cstdint>

constexpr int kThreads = 256;

__global__ void softmax_ref(const float* x, float* y, int64_t d) {
  __shared__ double red[kThreads];
  const float* xr = x + blockIdx.x * d;
  float* yr = y + blockIdx.x * d;
  double mx = -INFINITY;
  for (int64_t j = threadIdx.x; j < d; j += kThreads) mx = fmax(mx, static_cast<double>(xr[j]));
  red[threadIdx.x] = mx;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s /= 2) {
    if (threadIdx.x < s) red[threadIdx.x] = fmax(red[threadIdx.x], red[threadIdx.x + s]);
    __syncthreads();
  }
  mx = red[0];
  __syncthreads();
  double sum = 0.0;
  for (int64_t j = threadIdx.x; j < d; j += kThreads) sum += exp(static_cast<double>(xr[j]) - mx);
  red[threadIdx.x] = sum;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s /= 2) {
    if (threadIdx.x < s) red[threadIdx.x] += red[threadIdx.x + s];
    __syncthreads();
  }
  sum = red[0];
  for (int64_t j = threadIdx.x; j < d; j += kThreads)
    yr[j] = static_cast<float>(exp(static_cast<double>(xr[j]) - mx) / sum);
}

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void* stream) {
  if (n_in != 1 || n_out != 1 || in[0].ndim != 2 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLFloat || in[0].dtype.bits != 32) return 1;
  const int64_t m = in[0].shape[0], d = in[0].shape[1];
  if (m == 0 || d == 0) return 0;
  if (m > 0x7fffffff) return 1;
  softmax_ref<<<static_cast<unsigned>(m), kThreads, 0, static_cast<hipStream_t>(stream)>>>(
      static_cast<const float*>(in[0].data), static_cast<float*>(out[0].data), d);
  return hipGetLastError() == hipSuccess ? 0 : 2;
}
