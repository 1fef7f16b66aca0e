// Attack (CUDA): hands the launch to a host thread of its own, which launches on a private stream after the call has returned. Expected: not PASSED, or timed like cuda_plain.
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
namespace {
std::atomic<int> pending{0};
const float *pa, *pb;
float* pc;
int64_t pn;
void launcher() {
  cudaStream_t side;
  cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking);
  while (true) {
    while (pending.load() == 0) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::microseconds(20));
    add<<<blocks(pn), 256, 0, side>>>(pa, pb, pc, pn);
    pending.store(0);
  }
}
}  // namespace
extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void*) {
  static bool started = false;
  if (!started) {
    std::thread(launcher).detach();
    started = true;
  }
  while (pending.load() != 0) std::this_thread::yield();  // the previous launch went out
  pa = A; pb = B; pc = C; pn = N;
  pending.store(1);
  return 0;
}
