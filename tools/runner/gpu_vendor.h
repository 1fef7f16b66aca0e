// What differs between the two GPU vendors under the one device layer (gpu_device.cc): each
// function has one definition per vendor, vendor_cuda.cc (CUDA: CUPTI, NVML, L2, tensor-core
// peaks of Hopper/Blackwell) and vendor_hip.cc (HIP: L2 plus the MALL/Infinity Cache, wave64,
// the CDNA matrix-core peaks; no activity timer in this build). gpu_device.cc calls only these
// and gpu_runtime.h, so what it does on HIP is what it did on CUDA, vendor parts aside.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "core/json_io.h"
#include "tools/runner/activity_timer.h"
#include "tools/runner/gpu_runtime.h"

namespace kda::runner {

/// Bytes the flush writes and then reads (twice the cache that survives between calls), so that
/// every sample starts cold. CUDA: 2 x L2. HIP: 2 x (L2 + MALL), the Infinity Cache of MI300 sits
/// behind L2 and would otherwise hand the next call its inputs at cache speed.
size_t cache_eviction_bytes(const gpu::DeviceProp& prop, int ordinal);
/// Drops what the device keeps in cache on purpose (CUDA: persisting L2 lines; HIP: nothing).
void reset_persisting_cache();
/// The vendor's own fields of describe(): compute capability or gfx target, wavefront size,
/// the cache the flush covers.
Json vendor_describe(const gpu::DeviceProp& prop, int ordinal);
/// True when a profiler has injected itself into this process (Nsight Compute, rocprofv3): it
/// serialises or replays kernels, so the launch gate would wait out its timeout on every call,
/// and it holds the vendor's activity API.
bool profiler_injected();
/// The vendor's activity timer (CUDA: CUPTI; HIP: one that is never available in this build),
/// not yet started.
std::unique_ptr<ActivityTimer> make_activity_timer();
/// Why the activity timer stays off, else "": the environment asks for that (KDA_CUPTI=0), or a
/// profiler that injects itself holds the activity API.
std::string activity_timer_disabled();
/// Current over maximum core clock, 0 when unknown (CUDA: NVML, loaded lazily; HIP: unknown).
class ClockReader {
 public:
  virtual ~ClockReader() = default;
  virtual double ratio() = 0;
};
std::unique_ptr<ClockReader> make_clock_reader(int ordinal);
/// Datasheet dense peak of the matrix units (GFLOP/s, the fastest dtype), 0 when unknown: only
/// the roof of the impossible-time check, so over-estimating is the safe side.
double matrix_peak_gflops(const gpu::DeviceProp& prop);
/// The launch gate's timeout in the ticks of its device clock (CUDA: %globaltimer ns; HIP:
/// wall_clock64(), the constant 100 MHz reference clock of gfx9 / CDNA).
unsigned long long gate_timeout_ticks(unsigned long long ns);

}  // namespace kda::runner
