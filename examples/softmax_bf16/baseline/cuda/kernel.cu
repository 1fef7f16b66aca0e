// softmax_bf16 baseline on the GPU: one thread per row, three passes in float (max, sum of
// exp, normalise), 2-byte uncoalesced loads. The shape a first attempt usually has.
#include <dlpack/dlpack.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <cstdint>

__global__ void softmax_bf16_row_per_thread(const __nv_bfloat16* x, __nv_bfloat16* y, int64_t m, int64_t d) {
  const int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (r >= m) return;
  const __nv_bfloat16* xr = x + r * d;
  __nv_bfloat16* yr = y + r * d;
  float mx = __bfloat162float(xr[0]);
  for (int64_t j = 1; j < d; ++j) mx = fmaxf(mx, __bfloat162float(xr[j]));
  float sum = 0.0f;
  for (int64_t j = 0; j < d; ++j) sum += expf(__bfloat162float(xr[j]) - mx);
  for (int64_t j = 0; j < d; ++j) yr[j] = __float2bfloat16_rn(expf(__bfloat162float(xr[j]) - mx) / sum);
}

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void* stream) {
  if (n_in != 1 || n_out != 1 || in[0].ndim != 2 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLBfloat || in[0].dtype.bits != 16) return 1;
  const int64_t m = in[0].shape[0], d = in[0].shape[1];
  if (m == 0 || d == 0) return 0;
  const int threads = 128;
  const int64_t blocks = (m + threads - 1) / threads;
  softmax_bf16_row_per_thread<<<static_cast<unsigned>(blocks), threads, 0, static_cast<cudaStream_t>(stream)>>>(
      static_cast<const __nv_bfloat16*>(in[0].data), static_cast<__nv_bfloat16*>(out[0].data), m, d);
  return cudaGetLastError() == cudaSuccess ? 0 : 2;
}
