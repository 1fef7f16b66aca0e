// The runner's own kernels, one source for both vendors (launch_gate.cu, calibrate.cu, input_hash.cu: nvcc
// compiles them for kda-runner, hipcc for kda-runner-hip); gpu_device.cc launches them only
// through these functions, so it needs no kernel-language compiler of its own.
#pragma once

#include <cstddef>

#include "tools/runner/gpu_runtime.h"

namespace kda::runner {

/// FP32 FMA throughput on `sm_count` SMs / CUs, GFLOP/s (legacy default stream).
double run_fma_probe(int sm_count, double* seconds);
/// Reads `bytes` of `buffer` on `stream`, so that the lines the flush leaves in cache are clean.
void launch_read_sweep(const void* buffer, size_t bytes, float* sink, int sm_count, gpu::Stream stream);
/// Adds to `*sum` (device memory) the input hash terms (eval/fast_hash.h) of the `words` 8-byte
/// words at `data` (8-byte aligned device memory), on `stream`.
bool launch_input_hash(const void* data, size_t words, unsigned long long* sum, int sm_count, gpu::Stream stream);
/// One thread that holds `stream` until the host writes a non-zero `open[0]`, or gives up after
/// `timeout_ticks` of its device clock (gate_timeout_ticks) and sets `*gave_up`.
bool launch_gate(const int* open, unsigned long long timeout_ticks, int* gave_up, gpu::Stream stream);
/// The gate kernel's name in activity records.
extern const char* const kLaunchGateKernelName;

}  // namespace kda::runner
