// vector_add reference on the GPU: one thread per element.
// HIP port of ../cuda (same algorithm); compiled in CI for gfx90a, never run on AMD hardware.
#include <dlpack/dlpack.h>
#include <hip/hip_runtime.h>
#include <cstdint>

__global__ void add_ref(const float* a, const float* b, float* c, int64_t n) {
  int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) c[i] = a[i] + b[i];
}

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void* stream) {
  if (n_in != 2 || n_out != 1 || in[0].ndim != 1) return 1;
  const int64_t n = in[0].shape[0];
  if (n == 0) return 0;
  const int threads = 256;
  const int64_t blocks = (n + threads - 1) / threads;
  add_ref<<<static_cast<unsigned>(blocks), threads, 0, static_cast<hipStream_t>(stream)>>>(
      static_cast<const float*>(in[0].data), static_cast<const float*>(in[1].data), static_cast<float*>(out[0].data), n);
  return hipGetLastError() == hipSuccess ? 0 : 2;
}
