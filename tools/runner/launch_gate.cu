// The launch gate of the GPU device's timer (gpu_device.cc): a one-thread kernel that holds the
// candidate's stream until the host has enqueued the whole call, so that the events around the
// call time the GPU's work and not the host's launch latency (a few microseconds, with jitter of
// its own, which at 10-100 µs per call was as large as the differences a tuner must see).
// nvbench times with the same idea ("blocking kernel"). One source for both vendors: nvcc
// compiles it for kda-runner, hipcc (as HIP) for kda-runner-hip; only the clock differs.
#include "tools/runner/gpu_kernels.h"

// Outside any namespace, with C linkage: activity records carry this exact name, which is how
// the timer (activity_timer.h) leaves the gate out of the candidate's time.
extern "C" __global__ void kda_launch_gate(const volatile int* open, unsigned long long timeout_ticks, int* gave_up);

namespace kda::runner {

extern const char* const kLaunchGateKernelName = "kda_launch_gate";

namespace {

// CUDA: %globaltimer, nanoseconds. HIP: wall_clock64(), the constant reference clock of the
// device (100 MHz on gfx9 / CDNA), in whose ticks the host gives the timeout (gpu_vendor.h).
__device__ unsigned long long device_ticks() {
#if defined(KDA_GPU_HIP)
#if defined(__HIP_DEVICE_COMPILE__)
  return static_cast<unsigned long long>(wall_clock64());
#else
  return 0;  // the host pass of hipcc parses device functions too; it never runs this
#endif
#else
  unsigned long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
#endif
}

}  // namespace

bool launch_gate(const int* open, unsigned long long timeout_ticks, int* gave_up, gpu::Stream stream) {
  kda_launch_gate<<<1, 1, 0, stream>>>(open, timeout_ticks, gave_up);
  return gpu::last_error() == gpu::kSuccess;
}

}  // namespace kda::runner

// Spins until the host writes a non-zero word to `open`, or gives up after `timeout_ticks` and
// says so in `gave_up`: a candidate that synchronises inside its call would otherwise wait forever
// for work queued behind this kernel.
extern "C" __global__ void kda_launch_gate(const volatile int* open, unsigned long long timeout_ticks, int* gave_up) {
  const unsigned long long start = kda::runner::device_ticks();
  while (*open == 0) {
    if (kda::runner::device_ticks() - start > timeout_ticks) {
      *gave_up = 1;
      return;
    }
  }
}
