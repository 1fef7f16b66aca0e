// Attack (CUDA): queues its work on a private stream behind a spin kernel that a host thread releases only after the call has returned. Expected: not PASSED, or timed like cuda_plain.
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
#include <atomic>
#include <chrono>
#include <thread>
__global__ void wait_for(const volatile int* flag) {
  while (*flag == 0) {
  }
}
namespace {
int* flag = nullptr;
std::atomic<int> armed{0};
void releaser() {
  while (true) {
    while (armed.load() == 0) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::microseconds(30));
    reinterpret_cast<volatile int*>(flag)[0] = 1;
    armed.store(0);
  }
}
}  // namespace
extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void*) {
  static cudaStream_t side = nullptr;
  if (!side) {
    cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking);
    cudaHostAlloc(reinterpret_cast<void**>(&flag), sizeof(int), cudaHostAllocMapped);
    std::thread(releaser).detach();
  }
  while (armed.load() != 0) std::this_thread::yield();
  reinterpret_cast<volatile int*>(flag)[0] = 0;
  wait_for<<<1, 1, 0, side>>>(flag);
  add<<<blocks(N), 256, 0, side>>>(A, B, C, N);
  armed.store(1);
  return cudaGetLastError() == cudaSuccess ? 0 : 1;
}
