// CPU check of cuda_radix's logic under scripts/topk_emu/cuda_emu.h: every ALGO (BLOCK 128) on
// small shapes and value patterns, each against a CPU top-k, three calls per case with fresh data
// (the kernels' own resets between calls), and rows that start misaligned. Prints one line per
// case and "emu summary: P passed, F failed"; exit 1 on any failure. Built by run.sh.
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>
#include <string>

#include "../device/topk_host_check.h"
#include "cuda_emu.h"
#include <dlpack/dlpack.h>

namespace radix0 {
#define ALGO 0
#define BLOCK 128
#define kda_entry kda_entry_algo0
#include KERNEL_EMU
#undef kda_entry
#undef ALGO
#undef BLOCK
}  // namespace radix0
namespace radix1 {
#define ALGO 1
#define BLOCK 128
#define kda_entry kda_entry_algo1
#include KERNEL_EMU
#undef kda_entry
#undef ALGO
#undef BLOCK
}  // namespace radix1
namespace radix2 {
#define ALGO 2
#define BLOCK 128
#define kda_entry kda_entry_algo2
#include KERNEL_EMU
#undef kda_entry
#undef ALGO
#undef BLOCK
}  // namespace radix2

namespace {
using Entry = int (*)(const DLTensor*, int, DLTensor*, int, void*);
const Entry kEntries[3] = {radix0::kda_entry_algo0, radix1::kda_entry_algo1, radix2::kda_entry_algo2};

int passed = 0, failed = 0;

void run_case(int algo, int64_t m, int64_t n, int64_t k, int pattern, int offset, std::mt19937& rng) {
  std::vector<float> buf(m * n + 4);
  std::vector<int> y(m * k);
  std::normal_distribution<float> nd;
  std::uniform_int_distribution<int> p10(0, 9);
  for (int rep = 0; rep < 3; ++rep) {
    float* x = buf.data() + offset;
    for (int64_t i = 0; i < m * n; ++i) {
      switch (pattern) {
        case 0: x[i] = nd(rng); break;
        case 1: x[i] = 1.5f; break;
        case 2: x[i] = std::floor(nd(rng) * 2.f) / 2.f; break;
        default: {
          const int q = p10(rng);
          x[i] = q == 0 ? std::numeric_limits<float>::quiet_NaN() : q == 1 ? std::numeric_limits<float>::infinity()
               : q == 2 ? -std::numeric_limits<float>::infinity() : q == 3 ? -0.f : q == 4 ? 0.f
               : q == 5 ? -std::numeric_limits<float>::quiet_NaN() : nd(rng);
        }
      }
    }
    std::fill(y.begin(), y.end(), -1);
    int64_t xs[2] = {m, n}, ys[2] = {m, k};
    DLTensor in{}, out{};
    in.data = buf.data();
    in.byte_offset = offset * sizeof(float);
    in.ndim = 2;
    in.shape = xs;
    in.dtype = DLDataType{kDLFloat, 32, 1};
    out.data = y.data();
    out.ndim = 2;
    out.shape = ys;
    out.dtype = DLDataType{kDLInt, 32, 1};
    const int rc = kEntries[algo](&in, 1, &out, 1, nullptr);
    std::string why = rc ? "kda_entry returned " + std::to_string(rc) : check_topk_rows(x, y.data(), m, n, k);
    std::printf("emu algo=%d M=%lld N=%lld K=%lld pattern=%d offset=%d rep=%d: %s%s\n", algo, (long long)m, (long long)n,
                (long long)k, pattern, offset, rep, why.empty() ? "ok" : "FAIL: ", why.c_str());
    std::fflush(stdout);
    (why.empty() ? passed : failed)++;
  }
}
}  // namespace

int main() {
  std::mt19937 rng(1);
  struct Case {
    int64_t m, n, k;
  };
  const Case cases[] = {{1, 1, 1}, {2, 5, 3}, {3, 7, 7}, {2, 300, 150}, {4, 2048, 2048}, {3, 3000, 2048}, {2, 9000, 100},
                        {1, 40000, 2048}, {2, 20001, 1}, {5, 1000, 999}, {2, 12000, 4000}, {10, 5000, 2048}};
  for (int algo = 0; algo < 3; ++algo)
    for (const Case& c : cases)
      for (int pattern = 0; pattern < 4; ++pattern) {
        if (c.m * c.n > 30000 && pattern != 0) continue;  // keep the emulation short
        run_case(algo, c.m, c.n, c.k, pattern, (pattern + static_cast<int>(c.n)) % 4, rng);
      }
  std::printf("emu summary: %d passed, %d failed (%d launches)\n", passed, failed, emu::launches);
  return failed ? 1 : 0;
}
