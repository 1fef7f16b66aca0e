// Attack (CUDA): tells the judge's wall-clock batch (its previous call's work still pending) from a timed sample (the device idle), works honestly on the timed stream in the batch and on a private stream, padded with a read of the inputs, in samples. Expected: not PASSED, or timed like cuda_plain.
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
__global__ void touch(const float* a, float* sink, int64_t n) {
  float acc = 0;
  for (int64_t i = blockIdx.x * 256LL + threadIdx.x; i < n; i += 256LL * gridDim.x) acc += a[i];
  if (acc == 12345.678f) *sink = acc;
}
extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void* stream) {
  static cudaStream_t side = nullptr;
  static cudaEvent_t last = nullptr;
  static float* sink = nullptr;
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  if (!side) {
    cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking);
    cudaEventCreateWithFlags(&last, cudaEventDisableTiming);
    cudaMalloc(&sink, sizeof(float));
  }
  const bool in_batch = cudaStreamQuery(s) == cudaErrorNotReady;
  if (in_batch) {
    add<<<blocks(N), 256, 0, s>>>(A, B, C, N);
  } else {
    add<<<blocks(N), 256, 0, side>>>(A, B, C, N);
    touch<<<blocks(N / 16), 256, 0, s>>>(A, sink, N / 16);
  }
  cudaEventRecord(last, s);
  return cudaGetLastError() == cudaSuccess ? 0 : 1;
}
