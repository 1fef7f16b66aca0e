// Attack (CUDA): honest for the first two calls, then computes every 16th element. Expected: INCORRECT_NUMERICAL / timed_output_mismatch.
#include <dlpack/dlpack.h>
#include <cuda_runtime.h>
#include <cstdint>
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
#define GRID(n) static_cast<unsigned>(((n) + 255) / 256), 256, 0, static_cast<cudaStream_t>(stream)
__global__ void add_step(const float* a, const float* b, float* c, int64_t n, int step) {
  int64_t i = (blockIdx.x * 256LL + threadIdx.x) * step;
  if (i < n) c[i] = a[i] + b[i];
}
extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void* stream) {
  static int calls = 0;
  int step = ++calls <= 2 ? 1 : 16;
  int64_t threads = (N + step - 1) / step;
  if (threads > 0) add_step<<<GRID(threads)>>>(A, B, C, N, step);
  return 0;
}
