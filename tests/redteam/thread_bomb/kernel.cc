// Attack: starts 10,000 threads that outlive the call (a machine's process ids run out long before
// a judge notices). Expected: RUNTIME_ERROR / thread_limit (the runner's pids cap refuses the
// threads past it; where no cgroup exists, the judge counts them after the call).
#include <dlpack/dlpack.h>

#include <chrono>
#include <system_error>
#include <thread>

extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void*) {
  for (int i = 0; i < 10000; ++i) {
    try {
      std::thread([] { std::this_thread::sleep_for(std::chrono::seconds(30)); }).detach();
    } catch (const std::system_error&) {
      break;  // the cap: carry on as if nothing happened
    }
  }
  const float* a = static_cast<const float*>(in[0].data);
  const float* b = static_cast<const float*>(in[1].data);
  float* c = static_cast<float*>(out[0].data);
  for (int64_t i = 0; i < in[0].shape[0]; ++i) c[i] = a[i] + b[i];
  return 0;
}
