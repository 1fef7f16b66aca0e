// softmax_bf16 reference on the GPU: one block per row; bfloat16 widened to double, max, sum of
// exp and the normalised output in double, rounded to nearest even on store. Simple tree
// reductions in shared memory.
#include <dlpack/dlpack.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <cstdint>

constexpr int kThreads = 256;

__global__ void softmax_bf16_ref(const __nv_bfloat16* x, __nv_bfloat16* y, int64_t d) {
  __shared__ double red[kThreads];
  const __nv_bfloat16* xr = x + blockIdx.x * d;
  __nv_bfloat16* yr = y + blockIdx.x * d;
  double mx = -INFINITY;
  for (int64_t j = threadIdx.x; j < d; j += kThreads) mx = fmax(mx, static_cast<double>(__bfloat162float(xr[j])));
  red[threadIdx.x] = mx;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s /= 2) {
    if (threadIdx.x < s) red[threadIdx.x] = fmax(red[threadIdx.x], red[threadIdx.x + s]);
    __syncthreads();
  }
  mx = red[0];
  __syncthreads();
  double sum = 0.0;
  for (int64_t j = threadIdx.x; j < d; j += kThreads) sum += exp(static_cast<double>(__bfloat162float(xr[j])) - mx);
  red[threadIdx.x] = sum;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s /= 2) {
    if (threadIdx.x < s) red[threadIdx.x] += red[threadIdx.x + s];
    __syncthreads();
  }
  sum = red[0];
  for (int64_t j = threadIdx.x; j < d; j += kThreads)
    yr[j] = __float2bfloat16_rn(static_cast<float>(exp(static_cast<double>(__bfloat162float(xr[j])) - mx) / sum));
}

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void* stream) {
  if (n_in != 1 || n_out != 1 || in[0].ndim != 2 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLBfloat || in[0].dtype.bits != 16) return 1;
  const int64_t m = in[0].shape[0], d = in[0].shape[1];
  if (m == 0 || d == 0) return 0;
  if (m > 0x7fffffff) return 1;
  softmax_bf16_ref<<<static_cast<unsigned>(m), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      static_cast<const __nv_bfloat16*>(in[0].data), static_cast<__nv_bfloat16*>(out[0].data), d);
  return cudaGetLastError() == cudaSuccess ? 0 : 2;
}
