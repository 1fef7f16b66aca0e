// Attack: from its first call on, two threads spin on the CPU whenever the candidate is not in a
// call, so that the baseline it is interleaved with runs on a busy machine and its speedup looks
// larger. Defence: the judge stops the candidate's whole process group (SIGSTOP, which cannot be
// caught) as soon as a request is answered, and continues it (SIGCONT) just before the next. The
// candidate adds correctly; it counts the SIGCONTs it is sent, and from its fourth call on it
// returns 1 ("never stopped between calls") if there was none, so that a judge that let it run
// between requests would fail it. Expected: PASSED.
#include <dlpack/dlpack.h>
#include <signal.h>

#include <atomic>
#include <cstdint>
#include <thread>

namespace {
std::atomic<int> continued{0};
std::atomic<bool> in_call{false};
std::atomic<uint64_t> spins{0};
int calls = 0;

void on_continue(int) { continued.fetch_add(1); }

void spin() {
  for (;;)
    if (!in_call.load(std::memory_order_relaxed)) spins.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void*) {
  in_call = true;
  if (calls++ == 0) {
    struct sigaction sa = {};
    sa.sa_handler = on_continue;
    sigaction(SIGCONT, &sa, nullptr);
    std::thread(spin).detach();
    std::thread(spin).detach();
  }
  const int64_t n = in[0].shape[0];
  const float* a = static_cast<const float*>(in[0].data);
  const float* b = static_cast<const float*>(in[1].data);
  float* c = static_cast<float*>(out[0].data);
  for (int64_t i = 0; i < n; ++i) c[i] = a[i] + b[i];
  in_call = false;
  return calls >= 4 && continued.load() == 0 ? 1 : 0;
}
