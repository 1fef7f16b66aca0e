// The device a runner executes on. The CPU implementation is always built; the GPU one
// (gpu_device.cc, one source for both vendors) for CUDA into kda-runner when kda is configured
// with KDA_CUDA, and for HIP into kda-runner-hip with KDA_HIP. Everything here runs inside the
// untrusted runner process.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <dlpack/dlpack.h>

#include "core/json_io.h"

namespace kda::runner {

class Device {
 public:
  virtual ~Device() = default;
  virtual Json describe() = 0;  ///< {"name", "backend", "driver", "cache_bytes", ...}
  virtual DLDevice dl_device() = 0;
  virtual void* stream() = 0;
  virtual void* alloc(size_t bytes) = 0;
  virtual void release(void* p) = 0;
  virtual void upload(void* dst, const void* src, size_t n) = 0;
  virtual void download(void* dst, const void* src, size_t n) = 0;
  virtual void fill(void* dst, uint8_t byte, size_t n) = 0;
  /// Whether the candidate's tensors are plain host memory (the CPU backend): then a call may run
  /// on the input sets where they lie in the memory shared with the judge (session.cc).
  virtual bool tensors_in_host_memory() const { return false; }
  /// `p` (from alloc) as host-readable memory, or nullptr when it must be downloaded first.
  virtual const void* host_view(const void* p) { (void)p; return nullptr; }
  /// The input hash (eval/fast_hash.h) of the `n` bytes at `p` (from alloc), computed where they
  /// lie; false when this device cannot (then the caller copies them out and hashes on the host).
  virtual bool hash_on_device(const void* p, size_t n, uint64_t* hash) { (void)p; (void)n; (void)hash; return false; }
  /// Host memory that transfers fast (CUDA: page-locked), for scratch buffers; release_host frees it.
  virtual void* alloc_host(size_t bytes) { return std::malloc(std::max<size_t>(bytes, 1)); }
  virtual void release_host(void* p) { std::free(p); }
  /// Best effort: makes the host range [p, p + n) transfer fast (CUDA: registers it page-locked),
  /// replacing the range pinned before; pin_host(nullptr, 0) releases it. Called before the
  /// range is unmapped, so the device never holds pages the process has given back.
  virtual void pin_host(void* p, size_t n) { (void)p; (void)n; }
  /// Evicts the last-level cache (CPU: writes 2x LLC; CUDA: writes 2x L2 and resets persisting
  /// lines; HIP: writes 2x (L2 + Infinity Cache)) so that every sample starts cold.
  virtual void flush_caches() = 0;
  /// Device-wide synchronisation; returns an error string or "" (CUDA errors are sticky).
  virtual std::string synchronize() = 0;
  /// Runs `call` and returns its duration in ms measured by the device's own timer (CUDA
  /// events on the stream + device-wide sync; CPU steady clock).
  virtual double time_call(const std::function<int()>& call, int* rc, std::string* error) = 0;
  /// `repeat` calls issued back to back (GPU: no host sync between them, events in between)
  /// and one device-wide sync at the end; per-call device times in ms. This is the mode the
  /// judge times from outside, so host synchronisation latency must not be part of it.
  virtual std::vector<double> time_batch(const std::function<int()>& call, int repeat, std::string* error) = 0;
  /// Current SM (or core) clock over its maximum, 0 when unknown; used to discard throttled samples.
  virtual double clock_ratio() = 0;
  /// {"copy_bandwidth_gbs": bytes read+written per second, "fma_gflops": ...}.
  virtual Json calibrate() = 0;
};

std::unique_ptr<Device> make_cpu_device();
/// nullptr with `error` set when this build has no CUDA or no GPU is usable.
std::unique_ptr<Device> make_cuda_device(int ordinal, std::string* error);
/// nullptr with `error` set when no ROCm GPU is usable. In kda-runner, which is never built with
/// HIP, this hands the process over to kda-runner-hip beside it (hip_forward.cc).
std::unique_ptr<Device> make_hip_device(int ordinal, std::string* error);

}  // namespace kda::runner
