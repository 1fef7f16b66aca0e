// The GPU device, one implementation for both vendors (issue 19), written against gpu_runtime.h
// and gpu_vendor.h: compiled for CUDA into kda-runner (make_cuda_device) and, with KDA_GPU_HIP,
// for HIP into kda-runner-hip (make_hip_device).
//
// Device memory; the timer (the vendor's activity records of every stream where it has them,
// activity_timer.h; otherwise events on the candidate's stream bounded below by the device-idle
// wall clock); the launch gate (launch_gate.cu) that keeps host launch latency out of both; cache
// eviction by writing, then reading, a buffer twice the cache that survives between calls
// (gpu_vendor.h: L2 on CUDA, L2 + Infinity Cache on HIP); the clock ratio where the vendor tells
// it. The runner's own device work (uploads, poison fills, the flush, downloads) goes to a stream
// of its own, so that no record of it is mistaken for the candidate's.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "eval/fast_hash.h"
#include "tools/runner/device.h"
#include "tools/runner/gpu_kernels.h"
#include "tools/runner/gpu_runtime.h"
#include "tools/runner/gpu_vendor.h"

namespace kda::runner {
namespace {

class GpuDevice final : public Device {
 public:
  bool init(int ordinal, std::string* error) {
    ordinal_ = ordinal;
    gpu::Error e = gpu::set_device(ordinal);
    if (e == gpu::kSuccess) e = gpu::init_context();  // creates the context before any sandboxing
    if (e == gpu::kSuccess) e = gpu::get_properties(&prop_, ordinal);
    if (e == gpu::kSuccess) e = gpu::stream_create_non_blocking(&stream_);
    if (e == gpu::kSuccess) e = gpu::stream_create_non_blocking(&own_);
    if (e == gpu::kSuccess) e = gpu::event_create(&start_);
    if (e == gpu::kSuccess) e = gpu::event_create(&stop_);
    if (e != gpu::kSuccess) {
      *error = std::string(gpu::kRuntimeName) + " initialisation failed: " + gpu::error_text(e);
      return false;
    }
    flush_bytes_ = cache_eviction_bytes(prop_, ordinal);
    if (gpu::malloc_device(&flush_, flush_bytes_) != gpu::kSuccess ||
        gpu::malloc_device(&clean_, flush_bytes_) != gpu::kSuccess ||
        gpu::malloc_device(reinterpret_cast<void**>(&sink_), sizeof(float)) != gpu::kSuccess ||
        gpu::malloc_device(reinterpret_cast<void**>(&hash_sum_), sizeof(unsigned long long)) != gpu::kSuccess ||
        gpu::malloc_host(reinterpret_cast<void**>(&hash_host_), 16) != gpu::kSuccess ||
        gpu::memset_sync(clean_, 0, flush_bytes_) != gpu::kSuccess) {
      *error = "cannot allocate the cache flush buffers";
      return false;
    }
    clock_ = make_clock_reader(ordinal);
    // Off on request (KDA_LAUNCH_GATE=0, to compare timings) and under a profiler that injects
    // itself (Nsight Compute, rocprofv3): it serialises and replays kernels, the gate included,
    // which would then wait out its timeout on every pass.
    const char* gate = std::getenv("KDA_LAUNCH_GATE");
    // The input hash kernel stays out of an injected profiler's way too: it would take the
    // profiler's kernel slots and be replayed like the candidate's (the copy is used instead).
    hash_on_device_ = !profiler_injected();
    gated_ = !(gate && std::strcmp(gate, "0") == 0) && !profiler_injected() &&
             gpu::malloc_host_mapped(reinterpret_cast<void**>(&gate_), 2 * sizeof(int)) == gpu::kSuccess;
    start_timer();
    return true;
  }
  ~GpuDevice() override {
    pin_host(nullptr, 0);
    if (gate_) gpu::free_host(gate_);
    if (flush_) gpu::free_device(flush_);
    if (clean_) gpu::free_device(clean_);
    if (sink_) gpu::free_device(sink_);
    if (hash_sum_) gpu::free_device(hash_sum_);
    if (hash_host_) gpu::free_host(hash_host_);
  }

  Json describe() override {
    Json timer = timer_->available()
                     ? Json{{"kind", timer_->kind()}, {"what", timer_->what()}}
                     : Json{{"kind", "events+wall_bound"},
                            {"what", std::string(gpu::kRuntimeName) +
                                         " events on the candidate's stream, bounded below by the device-idle wall clock "
                                         "minus the empty call's cost (weaker: " + fallback_reason() + ")"},
                            {"why", timer_note_}};
    timer["launch_gate"] = gated_;
    int driver = 0, runtime = 0;
    gpu::driver_version(&driver);
    gpu::runtime_version(&runtime);
    Json d = {{"name", prop_.name},
              {"backend", gpu::kBackend},
              {"driver", std::string(gpu::kRuntimeName) + " driver " + std::to_string(driver) + ", runtime " +
                             std::to_string(runtime)},
              {"sm_count", prop_.multiProcessorCount},
              {"memory_bytes", prop_.totalGlobalMem},
              {"timer", timer}};
    d.update(vendor_describe(prop_, ordinal_));
    return d;
  }
  DLDevice dl_device() override {
#if defined(KDA_GPU_HIP)
    return {kDLROCM, ordinal_};
#else
    return {kDLCUDA, ordinal_};
#endif
  }
  void* stream() override { return stream_; }
  void* alloc(size_t bytes) override {
    void* p = nullptr;
    return gpu::malloc_device(&p, std::max<size_t>(bytes, 256)) == gpu::kSuccess ? p : nullptr;
  }
  void release(void* p) override { gpu::free_device(p); }
  // The runner's own transfers run on its own stream and wait for it, never on the legacy
  // default stream, which the candidate may use and whose records must count as the candidate's.
  void upload(void* dst, const void* src, size_t n) override {
    gpu::copy_to_device_async(dst, src, n, own_);
    gpu::stream_synchronize(own_);
  }
  void download(void* dst, const void* src, size_t n) override {
    gpu::copy_to_host_async(dst, src, n, own_);
    gpu::stream_synchronize(own_);
  }
  void fill(void* dst, uint8_t byte, size_t n) override {
    gpu::memset_async(dst, byte, n, own_);
    gpu::stream_synchronize(own_);
  }
  // The input hash where the tensor lies (input_hash.cu): one kernel over its whole words, and
  // back to the host only their 8-byte sum and the tail. Copying each input out to hash it on
  // the host took longer than most calls (a 128 MB set: ~5 ms over the bus and ~20 ms of
  // hashing, after every call).
  bool hash_on_device(const void* p, size_t n, uint64_t* hash) override {
    if (!hash_on_device_) return false;
    const size_t words = n / 8, rest = n % 8;
    uint8_t* tail = reinterpret_cast<uint8_t*>(hash_host_) + 8;
    const bool queued =
        gpu::memset_async(hash_sum_, 0, sizeof(unsigned long long), own_) == gpu::kSuccess &&
        launch_input_hash(p, words, hash_sum_, prop_.multiProcessorCount, own_) &&
        gpu::copy_to_host_async(hash_host_, hash_sum_, sizeof(unsigned long long), own_) == gpu::kSuccess &&
        (!rest || gpu::copy_to_host_async(tail, static_cast<const uint8_t*>(p) + words * 8, rest, own_) == gpu::kSuccess);
    const gpu::Error synced = gpu::stream_synchronize(own_);
    // A device that fails here (a sticky error a candidate's background kernel left) cannot be
    // read by a copy either: the call's answer is that error, not a hash of stale bytes.
    if (synced != gpu::kSuccess) throw std::runtime_error("the device failed while hashing the inputs: " + gpu::error_text(synced));
    if (!queued) {
      gpu::last_error();  // the kernel could not be launched (not the candidate's error): the caller copies instead
      return false;
    }
    *hash = hash_finish(*hash_host_, tail, n);
    return true;
  }
  void* alloc_host(size_t bytes) override {
    void* p = nullptr;
    return gpu::malloc_host(&p, std::max<size_t>(bytes, 1)) == gpu::kSuccess ? p : nullptr;
  }
  void release_host(void* p) override { gpu::free_host(p); }
  // Copies from pageable memory go through the driver's staging buffers at a fraction of the
  // bus rate; at 64 MB per set they cost more than the call, so samples were few per budget.
  // Best effort: where registering fails (limits on locked memory), it is not tried again and
  // the copies stay pageable. Errors are cleared here so that none is blamed on the next call.
  void pin_host(void* p, size_t n) override {
    if (p == pinned_ && n == pinned_bytes_) return;
    if (pinned_ && gpu::host_unregister(pinned_) != gpu::kSuccess) gpu::last_error();
    pinned_ = nullptr;
    pinned_bytes_ = 0;
    if (!p || n == 0 || pin_failed_) return;
    if (gpu::host_register(p, n) == gpu::kSuccess) {
      pinned_ = p;
      pinned_bytes_ = n;
    } else {
      gpu::last_error();
      pin_failed_ = true;
    }
  }
  void flush_caches() override {
    reset_persisting_cache();
    gpu::memset_async(flush_, static_cast<int>(++generation_ & 0xff), flush_bytes_, own_);
    // Then evict those dirty lines (their write-back happens here, not in the timed call).
    launch_read_sweep(clean_, flush_bytes_, sink_, prop_.multiProcessorCount, own_);
  }
  std::string synchronize() override {
    gpu::Error e = gpu::synchronize_device();
    if (e == gpu::kSuccess) e = gpu::last_error();
    return e == gpu::kSuccess ? "" : gpu::error_text(e);
  }
  double time_call(const std::function<int()>& call, int* rc, std::string* error) override {
    gpu::synchronize_device();
    bool held = false;
    const auto wall_start = std::chrono::steady_clock::now();
    // The runner's first call (the judge's correctness call) runs ungated: one-time setup inside
    // a candidate (lazy module loading, library handles) may synchronise, and must not switch
    // the gate off for every timed call after it.
    if (gated_ && calls_++ > 0) {
      gate_[0] = gate_[1] = 0;
      held = launch_gate(&gate_[0], gate_timeout_ticks(kGateTimeoutNs), &gate_[1], stream_);
    }
    gpu::event_record(start_, stream_);
    *rc = call();
    gpu::event_record(stop_, stream_);
    if (held) {
      std::atomic_thread_fence(std::memory_order_seq_cst);
      reinterpret_cast<volatile int*>(gate_)[0] = 1;
    }
    // Device-wide: work the candidate put on other streams is waited for too, and counted.
    *error = synchronize();
    const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_start).count();
    // A gate that timed out met a candidate that waits for its own work inside the call; its
    // time is still right (the start event came after the gate), but every further call would
    // pay the timeout, so after two in a row this runner times without the gate.
    if (held) timeouts_in_row_ = reinterpret_cast<volatile int*>(gate_)[1] != 0 ? timeouts_in_row_ + 1 : 0;
    if (timeouts_in_row_ >= 2) gated_ = false;
    if (!error->empty()) return 0;
    float event_ms = 0;
    gpu::event_elapsed_ms(&event_ms, start_, stop_);
    if (timer_->available()) {
      // Everything the device did that was not the runner's own, since the last call's window:
      // work a candidate's thread launched between calls makes this call longer, never shorter.
      ActivitySpan span = timer_->collect(held);
      return span.records > 0 ? span.ms() : event_ms;
    }
    // Fallback: events see only the candidate's stream; from device idle to device idle, the
    // wall clock minus an empty call's cost bounds from below what the call made the device do.
    return std::max<double>(event_ms, wall_ms - empty_call_ms_);
  }
  std::vector<double> time_batch(const std::function<int()>& call, int repeat, std::string* error) override {
    std::vector<gpu::Event> events(static_cast<size_t>(repeat) + 1);
    for (auto& e : events) gpu::event_create(&e);
    gpu::synchronize_device();
    if (timer_->available()) timer_->collect(false);  // the batch's window starts here
    gpu::event_record(events[0], stream_);
    for (int i = 0; i < repeat; ++i) {
      call();
      gpu::event_record(events[static_cast<size_t>(i) + 1], stream_);
    }
    *error = synchronize();
    std::vector<double> ms;
    for (int i = 0; i < repeat; ++i) {
      float t = 0;
      gpu::event_elapsed_ms(&t, events[static_cast<size_t>(i)], events[static_cast<size_t>(i) + 1]);
      ms.push_back(t);
    }
    for (auto& e : events) gpu::event_destroy(e);
    // With activity records the batch reports what timed calls report: the device's activity on
    // every stream, here from the batch's first activity to its last, spread over its calls.
    if (timer_->available() && repeat > 0) {
      ActivitySpan span = timer_->collect(false);
      if (span.records > 0) std::fill(ms.begin(), ms.end(), span.ms() / repeat);
    }
    return ms;
  }
  double clock_ratio() override { return clock_ ? clock_->ratio() : 0; }
  Json calibrate() override {
    gpu::synchronize_device();
    size_t bytes = std::min<size_t>(prop_.totalGlobalMem / 8, size_t(2) << 30);
    void *a = nullptr, *b = nullptr;
    Json out;
    if (gpu::malloc_device(&a, bytes) == gpu::kSuccess && gpu::malloc_device(&b, bytes) == gpu::kSuccess) {
      gpu::memset_sync(a, 1, bytes);
      double best = 0;
      for (int rep = 0; rep < 10; ++rep) {
        gpu::event_record(start_, own_);
        gpu::copy_on_device_async(b, a, bytes, own_);
        gpu::event_record(stop_, own_);
        gpu::event_synchronize(stop_);
        float ms = 0;
        gpu::event_elapsed_ms(&ms, start_, stop_);
        if (ms > 0) best = std::max(best, 2.0 * bytes / (ms / 1e3) / 1e9);
      }
      out["copy_bandwidth_gbs"] = best;
    }
    if (a) gpu::free_device(a);
    if (b) gpu::free_device(b);
    double seconds = 0;
    out["fma_gflops"] = run_fma_probe(prop_.multiProcessorCount, &seconds);
    // Dense matrix-unit peaks (datasheet) bound any kernel's FLOP rate from above; only used as
    // the roof for the impossible-time check, so over-estimating is the safe side.
    if (double peak = matrix_peak_gflops(prop_); peak > 0) out["tensor_peak_gflops"] = peak;
    if (timer_->available()) timer_->discard();  // the probes' kernels are no candidate's
    return out;
  }

 private:
  std::string fallback_reason() const {
#if defined(KDA_GPU_HIP)
    return "no activity timer in this HIP build";
#else
    return "CUPTI unavailable";
#endif
  }
  // The activity timer on, unless asked not to (KDA_CUPTI=0, to compare timers) or a profiler
  // that injects itself holds it (activity_timer_disabled). Without it, the fallback needs an
  // empty call's cost.
  void start_timer() {
    timer_ = make_activity_timer();
    if (std::string off = activity_timer_disabled(); !off.empty()) {
      timer_note_ = off;
    } else if (timer_->start(&timer_note_)) {
      timer_->set_gate_kernel(kLaunchGateKernelName);
      timer_->set_own_stream(own_);
      timer_->set_candidate_stream(stream_);
      if (!timer_->available()) timer_note_ = std::string(timer_->api_name()) + " gave no stream ids";
      timer_->discard();
    }
    if (timer_->available()) return;
    // An empty call's wall time, gate and syncs included (empty_call_ms_ is 0 while measuring,
    // so time_call returns max(events, wall)); the median of 21.
    std::vector<double> empty;
    int rc = 0;
    std::string err;
    for (int i = 0; i < 21; ++i) empty.push_back(time_call([] { return 0; }, &rc, &err));
    calls_ = 0;  // these were no candidate's calls
    std::nth_element(empty.begin(), empty.begin() + 10, empty.end());
    empty_call_ms_ = empty[10];
  }

  int ordinal_ = 0;
  gpu::DeviceProp prop_{};
  gpu::Stream stream_ = nullptr;  ///< the candidate's
  gpu::Stream own_ = nullptr;     ///< the runner's: transfers, fills, the flush, probes
  gpu::Event start_ = nullptr, stop_ = nullptr;
  void* flush_ = nullptr;
  void* clean_ = nullptr;  ///< read after the flush write so that the cache holds clean lines
  float* sink_ = nullptr;
  unsigned long long* hash_sum_ = nullptr;   ///< device word of the input hash kernel
  unsigned long long* hash_host_ = nullptr;  ///< page-locked: [0] the sum read back, then up to 7 tail bytes
  size_t flush_bytes_ = 0;
  uint64_t generation_ = 0;
  // Host-mapped words of the launch gate: [0] opens it, [1] says it timed out.
  static constexpr unsigned long long kGateTimeoutNs = 50'000'000;
  int* gate_ = nullptr;
  bool gated_ = false;
  bool hash_on_device_ = false;  ///< not under an injected profiler
  void* pinned_ = nullptr;
  size_t pinned_bytes_ = 0;
  bool pin_failed_ = false;
  int calls_ = 0, timeouts_in_row_ = 0;
  std::unique_ptr<ClockReader> clock_;
  std::unique_ptr<ActivityTimer> timer_;
  std::string timer_note_;    ///< why the activity timer is not the timer, when it is not
  double empty_call_ms_ = 0;  ///< fallback: wall time of an empty call, gate and syncs included
};

}  // namespace

#if defined(KDA_GPU_HIP)
std::unique_ptr<Device> make_hip_device(int ordinal, std::string* error) {
  int count = 0;
  if (gpu::Error e = gpu::device_count(&count); e != gpu::kSuccess || count == 0) {
    *error = "no ROCm GPU: hipGetDeviceCount returned " + (e != gpu::kSuccess ? gpu::error_text(e) : "0 devices");
    return nullptr;
  }
  auto d = std::make_unique<GpuDevice>();
  if (!d->init(ordinal, error)) return nullptr;
  return d;
}
#else
std::unique_ptr<Device> make_cuda_device(int ordinal, std::string* error) {
  auto d = std::make_unique<GpuDevice>();
  if (!d->init(ordinal, error)) return nullptr;
  return d;
}
#endif

}  // namespace kda::runner
