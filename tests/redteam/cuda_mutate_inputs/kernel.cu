// Attack (CUDA): correct output, but writes the result back into input a. Expected: REJECTED / input_mutated.
#include <dlpack/dlpack.h>
#include <cuda_runtime.h>
#include <cstdint>
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
#define GRID(n) static_cast<unsigned>(((n) + 255) / 256), 256, 0, static_cast<cudaStream_t>(stream)
__global__ void add_clobber(float* a, const float* b, float* c, int64_t n) {
  int64_t i = blockIdx.x * 256LL + threadIdx.x;
  if (i < n) {
    c[i] = a[i] + b[i];
    a[i] = c[i];
  }
}
extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void* stream) {
  add_clobber<<<GRID(N)>>>(static_cast<float*>(in[0].data), B, C, N);
  return 0;
}
