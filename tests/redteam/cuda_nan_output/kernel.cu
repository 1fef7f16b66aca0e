// Attack (CUDA): correct except one NaN. Expected: INCORRECT_NUMERICAL / nan_in_output.
#include <dlpack/dlpack.h>
#include <cuda_runtime.h>
#include <cstdint>
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
#define GRID(n) static_cast<unsigned>(((n) + 255) / 256), 256, 0, static_cast<cudaStream_t>(stream)
__global__ void add_nan(const float* a, const float* b, float* c, int64_t n) {
  int64_t i = blockIdx.x * 256LL + threadIdx.x;
  if (i < n) c[i] = i == n / 2 ? __int_as_float(0x7fc00000) : a[i] + b[i];
}
extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void* stream) {
  add_nan<<<GRID(N)>>>(A, B, C, N);
  return 0;
}
