// Attack (CUDA): does its work on a private stream and returns, leaving the timed stream empty. Expected: not PASSED, or timed like cuda_plain.
#include <dlpack/dlpack.h>
#include <cuda_runtime.h>
#include <cstdint>
__global__ void add(const float* a, const float* b, float* c, int64_t n) {
  for (int64_t i = blockIdx.x * 256LL + threadIdx.x; i < n; i += 256LL * gridDim.x) c[i] = a[i] + b[i];
}
static unsigned blocks(int64_t n) { return static_cast<unsigned>(n < 1 ? 1 : (n + 255) / 256 < 65535 ? (n + 255) / 256 : 65535); }
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void*) {
  static cudaStream_t side = nullptr;
  if (!side) cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking);
  add<<<blocks(N), 256, 0, side>>>(A, B, C, N);
  return cudaGetLastError() == cudaSuccess ? 0 : 1;
}
