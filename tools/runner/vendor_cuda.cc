// The CUDA parts under the shared device layer (gpu_vendor.h): CUPTI as the timer, NVML for the
// SM clock (loaded lazily so kda needs no NVML at build time), L2 as the cache to evict, the
// compute capability, the tensor-core peaks of Hopper and Blackwell. Exactly what
// cuda_device.cc did before the device layer was shared (issue 19).
#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "tools/runner/cupti_timer.h"
#include "tools/runner/gpu_vendor.h"

namespace kda::runner {
namespace {

// Just the NVML entry points we need, resolved with dlsym.
class NvmlClock final : public ClockReader {
 public:
  bool load(int ordinal) {
    lib_ = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib_) return false;
    auto init = reinterpret_cast<Init>(dlsym(lib_, "nvmlInit_v2"));
    auto handle = reinterpret_cast<Handle>(dlsym(lib_, "nvmlDeviceGetHandleByIndex_v2"));
    clock_ = reinterpret_cast<Clock>(dlsym(lib_, "nvmlDeviceGetClockInfo"));
    max_clock_ = reinterpret_cast<Clock>(dlsym(lib_, "nvmlDeviceGetMaxClockInfo"));
    if (!init || !handle || !clock_ || !max_clock_ || init() != 0) return false;
    return handle(static_cast<unsigned>(ordinal), &dev_) == 0;
  }
  double ratio() override {
    if (!dev_) return 0;
    unsigned cur = 0, mx = 0;
    const int kSm = 1;  // NVML_CLOCK_SM
    if (clock_(dev_, kSm, &cur) != 0 || max_clock_(dev_, kSm, &mx) != 0 || mx == 0) return 0;
    return static_cast<double>(cur) / mx;
  }

 private:
  using Init = int (*)();
  using Handle = int (*)(unsigned, void**);
  using Clock = int (*)(void*, int, unsigned*);
  void* lib_ = nullptr;
  void* dev_ = nullptr;
  Clock clock_ = nullptr, max_clock_ = nullptr;
};

}  // namespace

size_t cache_eviction_bytes(const gpu::DeviceProp& prop, int) {
  return 2 * static_cast<size_t>(std::max(prop.l2CacheSize, 1 << 20));
}

void reset_persisting_cache() { cudaCtxResetPersistingL2Cache(); }

Json vendor_describe(const gpu::DeviceProp& prop, int) {
  return {{"compute_capability", std::to_string(prop.major) + "." + std::to_string(prop.minor)},
          {"cache_bytes", prop.l2CacheSize}};
}

bool profiler_injected() { return std::getenv("CUDA_INJECTION64_PATH") != nullptr; }

std::unique_ptr<ActivityTimer> make_activity_timer() { return std::make_unique<CuptiTimer>(); }

std::string activity_timer_disabled() {
  const char* want = std::getenv("KDA_CUPTI");
  if (want && std::strcmp(want, "0") == 0) return "KDA_CUPTI=0";
  if (profiler_injected()) return "a profiler holds CUPTI";
  return "";
}

std::unique_ptr<ClockReader> make_clock_reader(int ordinal) {
  auto c = std::make_unique<NvmlClock>();
  c->load(ordinal);  // a clock that did not load reads 0 (unknown), as before
  return c;
}

double matrix_peak_gflops(const gpu::DeviceProp& prop) {
  // Dense FP8 tensor-core peaks from NVIDIA's datasheets: H100/H200 SXM 1979 TFLOP/s, B200 4500.
  if (prop.major == 9) return 1979e3;
  if (prop.major == 10) return 4500e3;
  return 0;
}

unsigned long long gate_timeout_ticks(unsigned long long ns) { return ns; }  // %globaltimer counts ns

}  // namespace kda::runner
