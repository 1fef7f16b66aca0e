// Attack: returns at once (so the timer sees almost nothing) and lets a detached thread write the correct output 5 ms later. Expected: REJECTED / late_write_after_return.
#include <dlpack/dlpack.h>
#include <cstdint>
#include <cstring>
#define ARGS const DLTensor* in, int, DLTensor* out, int, void*
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
#include <chrono>
#include <thread>
extern "C" int kda_entry(ARGS) {
  const float* a = A;
  const float* b = B;
  float* c = C;
  const int64_t n = N;
  std::thread([=] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    for (int64_t i = 0; i < n; ++i) c[i] = a[i] + b[i];
  }).detach();
  return 0;
}
