// The GPU device's calibration kernels, one source for both vendors (nvcc for kda-runner, hipcc
// for kda-runner-hip): the FP32 FMA throughput probe (roofline of non-matrix code) and the read
// sweep that follows the cache flush's write.
#include "tools/runner/gpu_kernels.h"

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
  void* out = nullptr;
  gpu::malloc_device(&out, sizeof(float));
  const int iters = 1 << 14, threads = 1024, blocks = sm_count * 8;
  gpu::Event s, e;
  gpu::event_create(&s);
  gpu::event_create(&e);
  fma_probe_kernel<<<blocks, threads>>>(static_cast<float*>(out), 16);
  gpu::event_record(s);
  fma_probe_kernel<<<blocks, threads>>>(static_cast<float*>(out), iters);
  gpu::event_record(e);
  gpu::event_synchronize(e);
  float ms = 0;
  gpu::event_elapsed_ms(&ms, s, e);
  gpu::free_device(out);
  *seconds = ms / 1e3;
  double flops = 2.0 * 4 * double(iters) * threads * blocks;
  return ms > 0 ? flops / (ms / 1e3) / 1e9 : 0;
}

// Reads a buffer of the flush's size so that the lines left in cache are clean: writing the flush
// buffer alone leaves L2 full of dirty lines whose write-back would be charged to the next timed call.
__global__ void read_sweep_kernel(const float4* p, size_t n, float* sink) {
  float acc = 0;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    float4 v = p[i];
    acc += v.x + v.y + v.z + v.w;
  }
  if (acc == 12345.0f) sink[0] = acc;  // never true; keeps the loads
}

void launch_read_sweep(const void* buffer, size_t bytes, float* sink, int sm_count, gpu::Stream stream) {
  read_sweep_kernel<<<sm_count * 4, 512, 0, stream>>>(static_cast<const float4*>(buffer), bytes / sizeof(float4), sink);
}

}  // namespace kda::runner
