// CPU device: host memory, steady-clock timing, cache eviction by writing twice the LLC.
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tools/runner/device.h"

namespace kda::runner {
namespace {

size_t read_cache_size(int index) {
  std::ifstream in("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/size");
  std::string s;
  if (!(in >> s) || s.empty()) return 0;
  size_t mult = 1;
  char unit = s.back();
  if (unit == 'K') mult = 1024;
  if (unit == 'M') mult = 1024 * 1024;
  return std::strtoull(s.c_str(), nullptr, 10) * mult;
}

size_t last_level_cache() {
  size_t best = 0;
  for (int i = 0; i < 8; ++i) best = std::max(best, read_cache_size(i));
  return best ? best : (32u << 20);
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto c = line.find(':');
      return c == std::string::npos ? line : line.substr(c + 2);
    }
  }
  return "unknown CPU";
}

class CpuDevice final : public Device {
 public:
  // The flush buffer is mapped populated: one system call instead of a page fault per 4 KiB
  // (16k of them for a 32 MiB LLC) in every runner, and a fresh runner starts per workload.
  // Still 4 KiB pages, so the flush keeps evicting the TLB as well.
  CpuDevice() : llc_(last_level_cache()), flush_bytes_(2 * llc_) {
    void* p = ::mmap(nullptr, flush_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("cannot map the cache flush buffer");
    flush_ = static_cast<uint8_t*>(p);
  }
  ~CpuDevice() override { ::munmap(flush_, flush_bytes_); }

  Json describe() override {
    utsname u{};
    ::uname(&u);
    return {{"name", cpu_model()}, {"backend", "cpu"}, {"driver", std::string(u.sysname) + " " + u.release},
            {"cache_bytes", llc_}, {"threads", std::thread::hardware_concurrency()}};
  }
  DLDevice dl_device() override { return {kDLCPU, 0}; }
  void* stream() override { return nullptr; }
  void* alloc(size_t bytes) override {
    void* p = std::aligned_alloc(64, std::max<size_t>(64, (bytes + 63) / 64 * 64));
    return p;
  }
  void release(void* p) override { std::free(p); }
  void upload(void* dst, const void* src, size_t n) override { std::memcpy(dst, src, n); }
  void download(void* dst, const void* src, size_t n) override { std::memcpy(dst, src, n); }
  void fill(void* dst, uint8_t byte, size_t n) override { std::memset(dst, byte, n); }
  const void* host_view(const void* p) override { return p; }
  bool tensors_in_host_memory() const override { return true; }
  void flush_caches() override {
    // Writing (not just reading) a buffer twice the LLC evicts the candidate's data, dirty
    // lines included; the counter stops the compiler from dropping the stores.
    ++generation_;
    std::memset(flush_, static_cast<int>(generation_ & 0xff), flush_bytes_);
    volatile uint8_t sink = flush_[generation_ % flush_bytes_];
    (void)sink;
  }
  std::string synchronize() override { return ""; }
  double time_call(const std::function<int()>& call, int* rc, std::string*) override {
    auto t0 = std::chrono::steady_clock::now();
    *rc = call();
    auto t1 = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::milli>(t1 - t0).count();
  }
  std::vector<double> time_batch(const std::function<int()>& call, int repeat, std::string* error) override {
    std::vector<double> ms;
    int rc = 0;
    for (int i = 0; i < repeat; ++i) ms.push_back(time_call(call, &rc, error));
    return ms;
  }
  double clock_ratio() override { return 0; }
  Json calibrate() override;

 private:
  size_t llc_;
  size_t flush_bytes_;
  uint8_t* flush_ = nullptr;
  uint64_t generation_ = 0;
};

// The CPU time of the calling thread: a calibration that another process's load delays counts
// only the time its threads ran, so load cannot lower the rate it measures (issue 14 §3: peaks
// calibrated on a busy machine made honest candidates "impossible").
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// An upper bound on the vector FLOP rate from what the CPU declares: every hardware thread, the
// highest clock it reports, two FMA units of its widest vectors. Used only as the roof of the
// impossible-time check, where over-estimating is the safe side (the measured FMA probe below
// runs 16 scalar chains and would let a SIMD kernel look impossible).
double declared_vector_peak_gflops(unsigned threads) {
  std::ifstream in("/proc/cpuinfo");
  std::string line, flags;
  double mhz = 0;
  while (std::getline(in, line)) {
    if (flags.empty() && line.rfind("flags", 0) == 0) flags = line + " ";
    if (line.rfind("cpu MHz", 0) == 0) mhz = std::max(mhz, std::atof(line.substr(line.find(':') + 1).c_str()));
  }
  std::ifstream max_khz("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
  double khz = 0;
  if (max_khz >> khz && khz > 0) mhz = std::max(mhz, khz / 1000);
  else mhz *= 1.5;  // no cpufreq: leave room for boost clocks above the current reading
  if (mhz <= 0) mhz = 5000;
  auto has = [&](const char* f) { return flags.find(std::string(" ") + f + " ") != std::string::npos; };
  const double lanes = has("avx512f") ? 16 : has("avx") ? 8 : 4;  // fp32 lanes per vector
  const double flop_per_cycle = 2 /*units*/ * lanes * 2 /*FMA*/;
  return threads * mhz * 1e-3 * flop_per_cycle;
}

Json CpuDevice::calibrate() {
  // Copy bandwidth with every hardware thread, 4x LLC per thread so that DRAM is measured; each
  // thread's bytes over its own CPU time, summed (best of five passes).
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  size_t per = std::max<size_t>(4 * llc_ / threads, 64u << 20);
  std::vector<std::vector<uint8_t>> src(threads, std::vector<uint8_t>(per, 1)), dst(threads, std::vector<uint8_t>(per, 0));
  double best_gbs = 0;
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<double> cpu(threads, 0);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const double c0 = thread_cpu_seconds();
        std::memcpy(dst[t].data(), src[t].data(), per);
        cpu[t] = thread_cpu_seconds() - c0;
      });
    for (auto& th : pool) th.join();
    double gbs = 0;
    for (double c : cpu) gbs += c > 0 ? 2.0 * per / c / 1e9 : 0;
    best_gbs = std::max(best_gbs, gbs);
  }
  // FMA rate: independent chains per thread so latency does not bound it; CPU time as above.
  double best_gflops = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const long iters = 20'000'000;
    std::vector<double> sinks(threads), cpu(threads, 0);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const double c0 = thread_cpu_seconds();
        float a[16];
        for (int k = 0; k < 16; ++k) a[k] = 1.0f + k * 1e-7f;
        for (long i = 0; i < iters / 16; ++i)
          for (int k = 0; k < 16; ++k) a[k] = a[k] * 0.9999999f + 1e-7f;
        float s = 0;
        for (float v : a) s += v;
        sinks[t] = s;
        cpu[t] = thread_cpu_seconds() - c0;
      });
    for (auto& th : pool) th.join();
    double gflops = 0;
    for (double c : cpu) gflops += c > 0 ? 2.0 * iters / c / 1e9 : 0;
    best_gflops = std::max(best_gflops, gflops);
  }
  return {{"copy_bandwidth_gbs", best_gbs}, {"fma_gflops", best_gflops},
          {"vector_peak_gflops", declared_vector_peak_gflops(threads)}};
}

}  // namespace

std::unique_ptr<Device> make_cpu_device() { return std::make_unique<CpuDevice>(); }

#ifndef KDA_HAVE_CUDA
std::unique_ptr<Device> make_cuda_device(int, std::string* error) {
  *error = "this kda-runner was built without CUDA (configure with the CUDA toolkit installed, -DKDA_CUDA=ON)";
  return nullptr;
}
#endif

}  // namespace kda::runner
