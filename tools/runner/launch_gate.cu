// The launch gate of the CUDA device's timer (cuda_device.cc): a one-thread kernel that holds the
// candidate's stream until the host has enqueued the whole call, so that the CUDA events around
// the call time the GPU's work and not the host's launch latency (a few microseconds, with jitter
// of its own, which at 10-100 µs per call was as large as the differences a tuner must see).
// nvbench times with the same idea ("blocking kernel").
#include <cuda_runtime.h>

// Outside any namespace, with C linkage: CUPTI's kernel records carry this exact name, which is
// how the timer (cupti_timer.h) leaves the gate out of the candidate's time.
extern "C" __global__ void kda_launch_gate(const volatile int* open, unsigned long long timeout_ns, int* gave_up);

namespace kda::runner {

extern const char* const kLaunchGateKernelName = "kda_launch_gate";

namespace {

__device__ unsigned long long global_ns() {
  unsigned long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

}  // namespace

bool launch_gate(const int* open, unsigned long long timeout_ns, int* gave_up, cudaStream_t stream) {
  kda_launch_gate<<<1, 1, 0, stream>>>(open, timeout_ns, gave_up);
  return cudaGetLastError() == cudaSuccess;
}

}  // namespace kda::runner

// Spins until the host writes a non-zero word to `open`, or gives up after `timeout_ns` and says
// so in `gave_up`: a candidate that synchronises inside its call would otherwise wait forever for
// work queued behind this kernel.
extern "C" __global__ void kda_launch_gate(const volatile int* open, unsigned long long timeout_ns, int* gave_up) {
  const unsigned long long start = kda::runner::global_ns();
  while (*open == 0) {
    if (kda::runner::global_ns() - start > timeout_ns) {
      *gave_up = 1;
      return;
    }
  }
}
