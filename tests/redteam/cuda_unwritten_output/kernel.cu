// Attack (CUDA): launches threads for only the first half of c. Expected: INCORRECT_NUMERICAL / unwritten_output.
#include <dlpack/dlpack.h>
#include <cuda_runtime.h>
#include <cstdint>
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
#define GRID(n) static_cast<unsigned>(((n) + 255) / 256), 256, 0, static_cast<cudaStream_t>(stream)
__global__ void half(const float* a, const float* b, float* c, int64_t n) {
  int64_t i = blockIdx.x * 256LL + threadIdx.x;
  if (i < n / 2) c[i] = a[i] + b[i];
}
extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void* stream) {
  if (N / 2 > 0) half<<<GRID(N / 2)>>>(A, B, C, N);
  return 0;
}
