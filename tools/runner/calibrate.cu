// FP32 FMA throughput probe for the CUDA device's calibration (roofline of non-tensor code).
#include <cuda_runtime.h>

namespace kda::runner {

__global__ void fma_probe_kernel(float* out, int iters) {
  float a = threadIdx.x * 1e-7f, b = 1.0f + blockIdx.x * 1e-7f, c = 0.5f, d = 0.25f;
  for (int i = 0; i < iters; ++i) {
    a = fmaf(a, 0.9999f, 1e-7f);
    b = fmaf(b, 0.9999f, 1e-7f);
    c = fmaf(c, 0.9999f, 1e-7f);
    d = fmaf(d, 0.9999f, 1e-7f);
  }
  if (a + b + c + d == 12345.0f) out[0] = a;  // never true; keeps the chains alive
}

double run_fma_probe(int sm_count, double* seconds) {
  float* out = nullptr;
  cudaMalloc(&out, sizeof(float));
  const int iters = 1 << 14, threads = 1024, blocks = sm_count * 8;
  cudaEvent_t s, e;
  cudaEventCreate(&s);
  cudaEventCreate(&e);
  fma_probe_kernel<<<blocks, threads>>>(out, 16);
  cudaEventRecord(s);
  fma_probe_kernel<<<blocks, threads>>>(out, iters);
  cudaEventRecord(e);
  cudaEventSynchronize(e);
  float ms = 0;
  cudaEventElapsedTime(&ms, s, e);
  cudaFree(out);
  *seconds = ms / 1e3;
  double flops = 2.0 * 4 * double(iters) * threads * blocks;
  return ms > 0 ? flops / (ms / 1e3) / 1e9 : 0;
}

}  // namespace kda::runner
