// Standalone check and rough timing of examples/topk/solutions/cuda_radix on a GPU, outside kda
// (so compute-sanitizer can run it without the sandbox and the runner). The kernel source is
// included three times, once per ALGO, in namespaces of their own (as kda tune's router does),
// with the same BLOCK (-DBLOCK=..., default 512).
//
//   nvcc -O3 -std=c++17 -arch=sm_90 -I<dir with dlpack/dlpack.h> -o topk_check scripts/device/topk_radix_check.cu
//   ./topk_check check      every ALGO on small and large shapes, special values, misaligned rows,
//                           K = 1 and K = N, three calls each with fresh data (the kernels' own
//                           counter resets), shapes in an order that grows and reshapes scratch
//   ./topk_check quick      a few small shapes and 64 x 131072 (for compute-sanitizer memcheck)
//   ./topk_check small      small shapes and 2 x 20000, 4 x 65536 (split rows; for racecheck)
//   ./topk_check time       median of 30 calls per ALGO and shape, L2 flushed before each call
//
// Output: one line per check ("ok"/"FAIL: why"), or per timing ("time algo=A MxN K us=median"),
// then "summary: P passed, F failed". Exit status 1 when anything failed.
#include <dlpack/dlpack.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "topk_host_check.h"

namespace radix0 {
#define ALGO 0
#define kda_entry kda_entry_algo0
#include "../../examples/topk/solutions/cuda_radix/kernel.cu"
#undef kda_entry
#undef ALGO
}  // namespace radix0
namespace radix1 {
#define ALGO 1
#define kda_entry kda_entry_algo1
#include "../../examples/topk/solutions/cuda_radix/kernel.cu"
#undef kda_entry
#undef ALGO
}  // namespace radix1
namespace radix2 {
#define ALGO 2
#define kda_entry kda_entry_algo2
#include "../../examples/topk/solutions/cuda_radix/kernel.cu"
#undef kda_entry
#undef ALGO
}  // namespace radix2

namespace {

using Entry = int (*)(const DLTensor*, int, DLTensor*, int, void*);
const Entry kEntries[3] = {radix0::kda_entry_algo0, radix1::kda_entry_algo1, radix2::kda_entry_algo2};

#define CK(call)                                                                                  \
  do {                                                                                            \
    cudaError_t e_ = (call);                                                                      \
    if (e_ != cudaSuccess) {                                                                      \
      std::printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, __LINE__);       \
      std::exit(2);                                                                               \
    }                                                                                             \
  } while (0)

enum Dist { kNormal, kEqual, kFewValues, kSpecial, kAscending, kDescending };
const char* dist_name(Dist d) {
  switch (d) {
    case kNormal: return "normal";
    case kEqual: return "equal";
    case kFewValues: return "few_values";
    case kSpecial: return "special";
    case kAscending: return "ascending";
    case kDescending: return "descending";
  }
  return "?";
}

void fill(std::vector<float>& x, int64_t m, int64_t n, Dist d, std::mt19937_64& rng) {
  std::normal_distribution<float> nd(0.f, 1.f);
  std::uniform_int_distribution<int> pick(0, 9);
  for (int64_t r = 0; r < m; ++r)
    for (int64_t i = 0; i < n; ++i) {
      float& v = x[r * n + i];
      switch (d) {
        case kNormal: v = nd(rng); break;
        case kEqual: v = 1.5f; break;
        case kFewValues: v = std::floor(nd(rng) * 2.f) / 2.f; break;
        case kSpecial: {
          const int p = pick(rng);
          v = p == 0 ? std::numeric_limits<float>::quiet_NaN()
            : p == 1 ? std::numeric_limits<float>::infinity()
            : p == 2 ? -std::numeric_limits<float>::infinity()
            : p == 3 ? -0.f
            : p == 4 ? 0.f
            : p == 5 ? -std::numeric_limits<float>::quiet_NaN()
            : p == 6 ? std::numeric_limits<float>::denorm_min()
            : nd(rng);
          break;
        }
        case kAscending: v = static_cast<float>(i) * 1e-3f; break;
        case kDescending: v = -static_cast<float>(i) * 1e-3f; break;
      }
    }
}

struct Buffers {
  float* x = nullptr;
  int* y = nullptr;
  size_t xb = 0, yb = 0;
  void reserve(size_t xbytes, size_t ybytes) {
    if (xbytes > xb) {
      if (x) CK(cudaFree(x));
      CK(cudaMalloc(&x, xbytes));
      xb = xbytes;
    }
    if (ybytes > yb) {
      if (y) CK(cudaFree(y));
      CK(cudaMalloc(&y, ybytes));
      yb = ybytes;
    }
  }
};

int call(Entry entry, float* x, int* y, int64_t m, int64_t n, int64_t k, int64_t x_offset_floats, cudaStream_t s) {
  int64_t xs[2] = {m, n}, ys[2] = {m, k};
  DLTensor in{}, out{};
  in.data = x;
  in.byte_offset = static_cast<uint64_t>(x_offset_floats) * sizeof(float);
  in.ndim = 2;
  in.shape = xs;
  in.dtype = DLDataType{kDLFloat, 32, 1};
  in.device = DLDevice{kDLCUDA, 0};
  out.data = y;
  out.ndim = 2;
  out.shape = ys;
  out.dtype = DLDataType{kDLInt, 32, 1};
  out.device = DLDevice{kDLCUDA, 0};
  return entry(&in, 1, &out, 1, s);
}

int passed = 0, failed = 0;

void check_case(int algo, int64_t m, int64_t n, int64_t k, Dist d, int64_t offset, int reps, Buffers& b, cudaStream_t s,
                std::mt19937_64& rng) {
  std::vector<float> x(m * n);
  std::vector<int> y(m * k);
  b.reserve((m * n + offset) * sizeof(float), m * k * sizeof(int));
  for (int rep = 0; rep < reps; ++rep) {
    fill(x, m, n, d, rng);
    CK(cudaMemcpy(b.x + offset, x.data(), x.size() * sizeof(float), cudaMemcpyHostToDevice));
    CK(cudaMemset(b.y, 0xff, m * k * sizeof(int)));
    CK(cudaDeviceSynchronize());
    const int rc = call(kEntries[algo], b.x, b.y, m, n, k, offset, s);
    const cudaError_t e = cudaStreamSynchronize(s);
    std::string why;
    if (rc != 0) why = "kda_entry returned " + std::to_string(rc);
    else if (e != cudaSuccess) why = std::string("CUDA: ") + cudaGetErrorString(e);
    else {
      CK(cudaMemcpy(y.data(), b.y, y.size() * sizeof(int), cudaMemcpyDeviceToHost));
      why = check_topk_rows(x.data(), y.data(), m, n, k);
    }
    std::printf("check algo=%d M=%lld N=%lld K=%lld dist=%s offset=%lld rep=%d: %s%s\n", algo, (long long)m, (long long)n,
                (long long)k, dist_name(d), (long long)offset, rep, why.empty() ? "ok" : "FAIL: ", why.c_str());
    std::fflush(stdout);
    (why.empty() ? passed : failed)++;
    if (e != cudaSuccess) std::exit(2);  // a sticky error: nothing after it can be trusted
  }
}

struct Shape {
  int64_t m, n, k;
};

void run_checks(const std::string& mode, Buffers& b, cudaStream_t s) {
  std::mt19937_64 rng(12345);
  const bool small = mode == "small";
  const bool quick = small || mode == "quick";
  std::vector<Shape> shapes = small ? std::vector<Shape>{{1, 1, 1}, {3, 7, 5}, {4, 2048, 2048}, {2, 1536, 768}, {2, 20000, 2048}, {4, 65536, 2048}}
                            : quick ? std::vector<Shape>{{1, 1, 1}, {3, 7, 5}, {4, 2048, 2048}, {2, 1536, 768}, {64, 131072, 2048}}
                                    : std::vector<Shape>{{1, 1, 1},        {1, 5, 3},          {3, 7, 7},          {2, 1536, 768},
                                                         {4, 2048, 2048},  {16, 3000, 2048},   {1, 131072, 1},     {64, 6000, 2048},
                                                         {2, 131072, 2048}, {128, 12000, 2048}, {16, 100000, 2048}, {1, 100003, 2048},
                                                         {64, 131072, 2048}, {384, 50000, 2048}, {2000, 10000, 2048}, {5, 33, 32}};
  for (int algo = 0; algo < 3; ++algo)
    for (const Shape& sh : shapes) {
      check_case(algo, sh.m, sh.n, sh.k, kNormal, 0, quick ? 1 : 3, b, s, rng);
      if (quick) continue;
      if (sh.m * sh.n <= (1 << 21)) {
        for (Dist d : {kEqual, kFewValues, kSpecial, kAscending, kDescending}) check_case(algo, sh.m, sh.n, sh.k, d, 0, 1, b, s, rng);
        check_case(algo, sh.m, sh.n, sh.k, kNormal, 1, 1, b, s, rng);  // every row misaligned
        check_case(algo, sh.m, sh.n, sh.n, kFewValues, 3, 1, b, s, rng);  // K = N
        check_case(algo, sh.m, sh.n, 1, kSpecial, 2, 1, b, s, rng);       // K = 1
      }
    }
}

void run_timing(Buffers& b, cudaStream_t s) {
  std::mt19937_64 rng(7);
  const std::vector<Shape> shapes = {{64, 131072, 2048}, {2, 131072, 2048}, {16, 131072, 2048}, {2, 100000, 2048}, {16, 100000, 2048},
                                     {16, 50000, 2048},  {64, 50000, 2048}, {384, 50000, 2048}, {2000, 10000, 2048}, {768, 20000, 2048},
                                     {128, 12000, 2048}, {512, 4000, 2048}, {2, 1536, 768},     {128, 1536, 768}};
  int dev = 0, l2 = 0;
  CK(cudaGetDevice(&dev));
  CK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, dev));
  void* flush = nullptr;
  const size_t flush_bytes = 2 * static_cast<size_t>(l2 > 0 ? l2 : (50 << 20));
  CK(cudaMalloc(&flush, flush_bytes));
  cudaEvent_t e0, e1;
  CK(cudaEventCreate(&e0));
  CK(cudaEventCreate(&e1));
  for (const Shape& sh : shapes) {
    std::vector<float> x(sh.m * sh.n);
    fill(x, sh.m, sh.n, kNormal, rng);
    b.reserve(x.size() * sizeof(float), sh.m * sh.k * sizeof(int));
    CK(cudaMemcpy(b.x, x.data(), x.size() * sizeof(float), cudaMemcpyHostToDevice));
    std::printf("time M=%lld N=%lld K=%lld", (long long)sh.m, (long long)sh.n, (long long)sh.k);
    for (int algo = 0; algo < 3; ++algo) {
      std::vector<float> t;
      for (int it = 0; it < 33; ++it) {
        CK(cudaMemsetAsync(flush, it, flush_bytes, s));
        CK(cudaEventRecord(e0, s));
        if (call(kEntries[algo], b.x, b.y, sh.m, sh.n, sh.k, 0, s) != 0) std::printf(" [algo %d failed]", algo);
        CK(cudaEventRecord(e1, s));
        CK(cudaEventSynchronize(e1));
        float ms = 0;
        CK(cudaEventElapsedTime(&ms, e0, e1));
        if (it >= 3) t.push_back(ms * 1000.f);
      }
      std::sort(t.begin(), t.end());
      std::printf("  algo%d_us=%.1f", algo, t[t.size() / 2]);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  CK(cudaFree(flush));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "check";
  cudaStream_t s;
  CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));  // as kda's runner gives the candidate
  Buffers b;
  if (mode == "time") run_timing(b, s);
  else run_checks(mode, b, s);
  std::printf("summary: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
