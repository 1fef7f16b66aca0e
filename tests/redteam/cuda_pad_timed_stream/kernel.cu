// Attack (CUDA): the work goes to a private stream; the timed stream gets one read of the inputs, so its time looks plausible and sits near the roofline floor. Expected: not PASSED, or timed like cuda_plain.
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
__global__ void touch(const float* a, const float* b, float* sink, int64_t n) {
  float acc = 0;
  for (int64_t i = blockIdx.x * 256LL + threadIdx.x; i < n; i += 256LL * gridDim.x) acc += a[i] * b[i];
  if (acc == 12345.678f) *sink = acc;  // never true: keeps the loads alive
}
extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void* stream) {
  static cudaStream_t side = nullptr;
  static float* sink = nullptr;
  if (!side) {
    cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking);
    cudaMalloc(&sink, sizeof(float));
  }
  add<<<blocks(N), 256, 0, side>>>(A, B, C, N);
  int64_t part = N / 8;  // a fraction of the inputs: a fraction of the time
  touch<<<blocks(part), 256, 0, static_cast<cudaStream_t>(stream)>>>(A, B, sink, part);
  return cudaGetLastError() == cudaSuccess ? 0 : 1;
}
