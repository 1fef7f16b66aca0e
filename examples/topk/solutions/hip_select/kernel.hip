// top-k on CDNA GPUs (HIP): the radix select of ../cuda_select (its ALGO 1), for 64-lane
// wavefronts. Scores become order-preserving uint32 keys (larger float -> larger key); one block
// per row makes four passes of 8-bit digits, most significant first, each a shared-memory (LDS)
// histogram of the keys that still match the digits chosen so far; the pass picks the digit whose
// bucket holds the K-th key and stops early once a whole bucket is needed. A last pass writes
// every key above the threshold and enough keys equal to it.
// What differs from CUDA: no __match_any (lanes add to the LDS histogram one by one: LDS atomics
// are cheap on CDNA), 64-bit ballots, and wavefront 0 (64 lanes, 4 buckets each) picks the digit.
// Ties: keys above the threshold take slots [0, K - need), keys equal to it take K - need + (0,
// 1, ...) from an atomic counter until `need` are written, so exactly K distinct positions land.
// Compiled in CI for gfx90a; never run on AMD hardware.
#include <dlpack/dlpack.h>
#include <hip/hip_runtime.h>
#include <cstdint>

#ifndef BLOCK
#define BLOCK 1024  // threads per block
#endif
static_assert(BLOCK % 64 == 0 && BLOCK >= 64 && BLOCK <= 1024, "BLOCK must be a multiple of 64 in [64, 1024]");

namespace {

constexpr int kWave = 64;

__device__ __forceinline__ unsigned key_of(float f) {
  const unsigned u = __float_as_uint(f);
  return u ^ (static_cast<unsigned>(static_cast<int>(u) >> 31) | 0x80000000u);
}

// The digits chosen so far: keys with (key & mask) == prefix are still undecided, those above
// it are selected, and `need` more must come from the undecided ones.
struct Sel {
  unsigned prefix, mask, need, done;
};

// Wavefront 0 only: picks the digit whose bucket holds the need-th largest undecided key.
// Lane l owns buckets 4l..4l+3; a suffix sum over lanes finds the one lane whose range holds it.
// The wavefront runs in lockstep, so every lane has read `need` before the one lane writes sel.
__device__ void choose_digit(const unsigned* hist, Sel* sel, int shift) {
  const int lane = static_cast<int>(threadIdx.x) % kWave;
  const unsigned need = sel->need;
  unsigned local = 0;
  for (int q = 0; q < 4; ++q) local += hist[lane * 4 + q];
  unsigned suffix = local;
  for (int off = 1; off < kWave; off <<= 1) {
    const unsigned v = __shfl_down(suffix, off);
    if (lane + off < kWave) suffix += v;
  }
  const unsigned above = suffix - local;  // undecided keys in higher lanes' buckets
  if (above < need && need <= suffix) {
    unsigned cum = above;
    for (int b = lane * 4 + 3; b >= lane * 4; --b) {
      const unsigned h = hist[b];
      if (cum + h >= need) {
        sel->prefix |= static_cast<unsigned>(b) << shift;
        sel->mask |= 0xffu << shift;
        sel->need = need - cum;
        sel->done = h == need - cum;  // the whole bucket is selected: no finer digit needed
        break;
      }
      cum += h;
    }
  }
}

// Every lane of the wavefront calls this; returns each taking lane's slot from *counter.
__device__ __forceinline__ unsigned wave_slot(unsigned* counter, bool take) {
  const unsigned long long ballot = __ballot(take);
  const unsigned lane = threadIdx.x % kWave;
  unsigned first = 0;
  if (lane == 0 && ballot != 0) first = atomicAdd(counter, static_cast<unsigned>(__popcll(ballot)));
  first = __shfl(first, 0);
  return first + static_cast<unsigned>(__popcll(ballot & ((1ull << lane) - 1ull)));
}

__global__ void __launch_bounds__(BLOCK) radix_rows(const float* __restrict__ x, int* __restrict__ y, int64_t n, int k) {
  __shared__ unsigned hist[256];
  __shared__ Sel sel;
  __shared__ unsigned counts[2];
  const float* xr = x + static_cast<int64_t>(blockIdx.x) * n;
  if (threadIdx.x == 0) {
    sel = Sel{0u, 0u, static_cast<unsigned>(k), 0u};
    counts[0] = counts[1] = 0;
  }
  for (int pass = 0; pass < 4; ++pass) {
    const int shift = 24 - 8 * pass;
    for (int i = threadIdx.x; i < 256; i += BLOCK) hist[i] = 0;
    __syncthreads();
    const unsigned prefix = sel.prefix, mask = sel.mask;
    for (int64_t i = threadIdx.x; i < n; i += BLOCK) {
      const unsigned key = key_of(xr[i]);
      if ((key & mask) == prefix) atomicAdd(&hist[(key >> shift) & 0xffu], 1u);
    }
    __syncthreads();
    if (threadIdx.x < kWave) choose_digit(hist, &sel, shift);
    __syncthreads();
    if (sel.done) break;  // uniform: read after the barrier, next written never
  }
  const Sel s = sel;
  const unsigned n_gt = static_cast<unsigned>(k) - s.need;
  int* yr = y + static_cast<int64_t>(blockIdx.x) * k;
  for (int64_t base = 0; base < n; base += BLOCK) {  // same trip count for the whole block
    const int64_t i = base + threadIdx.x;
    bool gt = false, eq = false;
    if (i < n) {
      const unsigned m = key_of(xr[i]) & s.mask;
      gt = m > s.prefix;
      eq = m == s.prefix;
    }
    const unsigned g = wave_slot(&counts[0], gt);
    if (gt && g < n_gt) yr[g] = static_cast<int>(i);
    const unsigned e = wave_slot(&counts[1], eq);
    if (eq && e < s.need) yr[n_gt + e] = static_cast<int>(i);
  }
}

}  // namespace

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void* stream) {
  if (n_in != 1 || n_out != 1 || in[0].ndim != 2 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLFloat || in[0].dtype.bits != 32) return 1;
  if (out[0].dtype.code != kDLInt || out[0].dtype.bits != 32) return 1;
  const int64_t m = in[0].shape[0], n = in[0].shape[1], k64 = out[0].shape[1];
  if (out[0].shape[0] != m || k64 < 0 || k64 > n || n > 0x7fffffff || m > 0x7fffffff) return 1;
  if (m == 0 || k64 == 0) return 0;
  radix_rows<<<static_cast<unsigned>(m), BLOCK, 0, static_cast<hipStream_t>(stream)>>>(
      static_cast<const float*>(in[0].data), static_cast<int*>(out[0].data), n, static_cast<int>(k64));
  return hipGetLastError() == hipSuccess ? 0 : 2;
}
