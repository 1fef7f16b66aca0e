// top-k on GPUs. Scores become order-preserving uint32 keys (larger float -> larger key), so the
// selection is integer work. Three shapes of kernel, because what limits the time changes with N
// and M:
//   ALGO 0: one block per row; the row goes to shared memory as 64-bit (key << 32 | ~position)
//           values and is bitonic-sorted there, descending; the first K are the answer. All in
//           shared memory and distinct values (no tie cases), but O(N log^2 N) work and up to
//           128 KB of shared memory per block, so only rows up to kSortMaxN; longer rows use 1.
//   ALGO 1: one block per row, radix select over the row in global memory (L2 after the first
//           read): four passes of 8-bit digits, most significant first, each a shared-memory
//           histogram of the keys that still match the digits chosen so far; the pass picks the
//           digit whose bucket holds the K-th key and stops early once a whole bucket is needed.
//           A last pass writes every key above the threshold and enough keys equal to it. O(N)
//           per row with little shared memory, so many blocks fit per SM when rows are many.
//   ALGO 2: like 1, but several blocks share each row (enough for two blocks per SM, at least
//           two, each with at least 4 keys per thread): the passes become launches, per-row
//           histograms are summed in global scratch, and every block replays the digit choices
//           from them. Few long rows otherwise leave most SMs idle; with many rows the extra
//           launches only cost, so this variant is a specialist, and kda tune finds where it pays.
//           (Rows too short for two slices take ALGO 1's kernel.)
// Ties: keys above the threshold are written to slots [0, K - need) and keys equal to it take
// slots K - need + (0, 1, ...) from an atomic counter until `need` are written, so exactly K
// distinct positions land in the row.
#include <dlpack/dlpack.h>
#include <cuda_runtime.h>
#include <algorithm>
#include <cstdint>

#ifndef ALGO
#define ALGO 1  // 0 shared-memory bitonic sort (rows <= kSortMaxN), 1 radix per block, 2 radix, split rows
#endif
#ifndef BLOCK
#define BLOCK 1024  // threads per block
#endif
static_assert(BLOCK % 32 == 0 && BLOCK >= 32 && BLOCK <= 1024, "BLOCK must be a multiple of 32 in [32, 1024]");

namespace {

constexpr unsigned kFull = 0xffffffffu;
constexpr int kSortMaxN = 16384;              // 16384 * 8 B = 128 KB of shared memory
constexpr int kScratchPerRow = 4 * 256 + 4;   // ALGO 2: four histograms, two write counters, padding
constexpr int64_t kMinSlice = 4 * BLOCK;      // ALGO 2: at least 4 keys per thread per pass

__device__ __forceinline__ unsigned key_of(float f) {
  const unsigned u = __float_as_uint(f);
  return u ^ (static_cast<unsigned>(static_cast<int>(u) >> 31) | 0x80000000u);
}

// ---- ALGO 0 ----
template <int NT>
__global__ void __launch_bounds__(NT) sort_rows(const float* __restrict__ x, int* __restrict__ y, int n, int k, int p) {
  extern __shared__ unsigned long long s[];  // p = next power of two >= n
  const float* xr = x + static_cast<int64_t>(blockIdx.x) * n;
  // Padding is 0, below every real value (~position > 0), so it sorts last.
  for (int i = threadIdx.x; i < p; i += NT)
    s[i] = i < n ? (static_cast<unsigned long long>(key_of(xr[i])) << 32) | ~static_cast<unsigned>(i) : 0ull;
  __syncthreads();
  for (int len = 2; len <= p; len <<= 1)
    for (int j = len >> 1; j > 0; j >>= 1) {
      for (int t = threadIdx.x; t < p / 2; t += NT) {
        const int lo = ((t & ~(j - 1)) << 1) | (t & (j - 1)), hi = lo + j;
        const unsigned long long a = s[lo], b = s[hi];
        if ((lo & len) == 0 ? a < b : a > b) {  // descending runs where bit `len` of lo is 0
          s[lo] = b;
          s[hi] = a;
        }
      }
      __syncthreads();
    }
  int* yr = y + static_cast<int64_t>(blockIdx.x) * k;
  for (int i = threadIdx.x; i < k; i += NT) yr[i] = static_cast<int>(~static_cast<unsigned>(s[i]));
}

// ---- ALGO 1 and 2: radix select ----
// The digits chosen so far: keys with (key & mask) == prefix are still undecided, those above
// it are selected, and `need` more must come from the undecided ones.
struct Sel {
  unsigned prefix, mask, need, done;
};

// All 32 lanes call this; d == 256 counts nothing. Lanes with the same digit add once.
__device__ __forceinline__ void warp_count(unsigned* hist, unsigned d) {
  const unsigned peers = __match_any_sync(kFull, d);
  if (d < 256 && static_cast<int>(threadIdx.x & 31) == __ffs(peers) - 1) atomicAdd(&hist[d], static_cast<unsigned>(__popc(peers)));
}

// Warp 0 only: picks the digit whose bucket holds the need-th largest undecided key.
// Lane l owns buckets 8l..8l+7; a suffix sum over lanes finds the one lane whose range holds it.
__device__ void choose_digit(const unsigned* hist, Sel* sel, int shift) {
  const int lane = threadIdx.x & 31;
  const unsigned need = sel->need;
  __syncwarp();  // every lane has read sel before one lane writes it
  unsigned local = 0;
  for (int q = 0; q < 8; ++q) local += hist[lane * 8 + q];
  unsigned suffix = local;
  for (int off = 1; off < 32; off <<= 1) {
    const unsigned v = __shfl_down_sync(kFull, suffix, off);
    if (lane + off < 32) suffix += v;
  }
  const unsigned above = suffix - local;  // undecided keys in higher lanes' buckets
  if (above < need && need <= suffix) {
    unsigned cum = above;
    for (int b = lane * 8 + 7; b >= lane * 8; --b) {
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

template <int NT>
__device__ void histogram_slice(const float* __restrict__ xr, int64_t lo, int64_t hi, unsigned prefix, unsigned mask,
                                int shift, unsigned* hist) {
  for (int64_t base = lo; base < hi; base += NT) {  // same trip count for the whole block
    const int64_t i = base + threadIdx.x;
    unsigned d = 256;
    if (i < hi) {
      const unsigned key = key_of(xr[i]);
      if ((key & mask) == prefix) d = (key >> shift) & 0xffu;
    }
    warp_count(hist, d);
  }
}

// All 32 lanes call this; returns each taking lane's slot from *counter (shared or global).
__device__ __forceinline__ unsigned warp_slot(unsigned* counter, bool take) {
  const unsigned ballot = __ballot_sync(kFull, take);
  const unsigned lane = threadIdx.x & 31;
  unsigned first = 0;
  if (lane == 0 && ballot != 0) first = atomicAdd(counter, static_cast<unsigned>(__popc(ballot)));
  first = __shfl_sync(kFull, first, 0);
  return first + __popc(ballot & ((1u << lane) - 1u));
}

template <int NT>
__device__ void write_slice(const float* __restrict__ xr, int64_t lo, int64_t hi, Sel sel, int k, unsigned* gt_count,
                            unsigned* eq_count, int* __restrict__ yr) {
  const unsigned n_gt = static_cast<unsigned>(k) - sel.need;
  for (int64_t base = lo; base < hi; base += NT) {
    const int64_t i = base + threadIdx.x;
    bool gt = false, eq = false;
    if (i < hi) {
      const unsigned m = key_of(xr[i]) & sel.mask;
      gt = m > sel.prefix;
      eq = m == sel.prefix;
    }
    const unsigned g = warp_slot(gt_count, gt);
    if (gt && g < n_gt) yr[g] = static_cast<int>(i);
    const unsigned e = warp_slot(eq_count, eq);
    if (eq && e < sel.need) yr[n_gt + e] = static_cast<int>(i);
  }
}

template <int NT>
__global__ void __launch_bounds__(NT) radix_rows(const float* __restrict__ x, int* __restrict__ y, int64_t n, int k) {
  __shared__ unsigned hist[256];
  __shared__ Sel sel;
  __shared__ unsigned counts[2];
  const float* xr = x + static_cast<int64_t>(blockIdx.x) * n;
  if (threadIdx.x == 0) {
    sel = Sel{0u, 0u, static_cast<unsigned>(k), 0u};
    counts[0] = counts[1] = 0;
  }
  for (int pass = 0; pass < 4; ++pass) {
    for (int i = threadIdx.x; i < 256; i += NT) hist[i] = 0;
    __syncthreads();
    histogram_slice<NT>(xr, 0, n, sel.prefix, sel.mask, 24 - 8 * pass, hist);
    __syncthreads();
    if (threadIdx.x < 32) choose_digit(hist, &sel, 24 - 8 * pass);
    __syncthreads();
    if (sel.done) break;  // uniform: read after the barrier, next written never
  }
  write_slice<NT>(xr, 0, n, sel, k, &counts[0], &counts[1], y + static_cast<int64_t>(blockIdx.x) * k);
}

// ALGO 2: rebuilds the choices of passes [0, passes) from the row's global histograms. Every
// block of the row sees the same sums, so every block reaches the same Sel.
template <int NT>
__device__ bool replay(const unsigned* gh, int passes, unsigned* hist, Sel* sel, int k) {
  if (threadIdx.x == 0) *sel = Sel{0u, 0u, static_cast<unsigned>(k), 0u};
  for (int q = 0; q < passes; ++q) {
    __syncthreads();
    if (sel->done) break;  // later histograms were never filled
    for (int i = threadIdx.x; i < 256; i += NT) hist[i] = gh[q * 256 + i];
    __syncthreads();
    if (threadIdx.x < 32) choose_digit(hist, sel, 24 - 8 * q);
  }
  __syncthreads();
  return sel->done != 0;
}

template <int NT>
__global__ void __launch_bounds__(NT) split_histogram(const float* __restrict__ x, unsigned* scratch, int64_t n, int k,
                                                      int pass, int64_t chunk) {
  __shared__ unsigned hist[256];
  __shared__ Sel sel;
  unsigned* rs = scratch + static_cast<int64_t>(blockIdx.y) * kScratchPerRow;
  if (replay<NT>(rs, pass, hist, &sel, k)) return;  // uniform
  for (int i = threadIdx.x; i < 256; i += NT) hist[i] = 0;
  __syncthreads();
  const int64_t lo = blockIdx.x * chunk, hi = lo + chunk < n ? lo + chunk : n;
  histogram_slice<NT>(x + static_cast<int64_t>(blockIdx.y) * n, lo, hi, sel.prefix, sel.mask, 24 - 8 * pass, hist);
  __syncthreads();
  for (int i = threadIdx.x; i < 256; i += NT)
    if (hist[i]) atomicAdd(&rs[pass * 256 + i], hist[i]);
}

template <int NT>
__global__ void __launch_bounds__(NT) split_write(const float* __restrict__ x, unsigned* scratch, int* __restrict__ y,
                                                  int64_t n, int k, int64_t chunk) {
  __shared__ unsigned hist[256];
  __shared__ Sel sel;
  unsigned* rs = scratch + static_cast<int64_t>(blockIdx.y) * kScratchPerRow;
  replay<NT>(rs, 4, hist, &sel, k);
  const int64_t lo = blockIdx.x * chunk, hi = lo + chunk < n ? lo + chunk : n;
  write_slice<NT>(x + static_cast<int64_t>(blockIdx.y) * n, lo, hi, sel, k, &rs[1024], &rs[1025],
                  y + static_cast<int64_t>(blockIdx.y) * k);
}

int sm_count() {
  static int sms = 0;
  if (sms == 0) {
    int dev = 0;
    cudaGetDevice(&dev);
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev);
    if (sms <= 0) sms = 1;
  }
  return sms;
}

// ALGO 2's scratch comes from the stream-ordered allocator. The default pool returns its memory
// to the system at every synchronization (release threshold 0), so each call would map fresh
// pages: measured on an H100, about 0.1 ms per call, more than the whole select at N = 16k. A
// pool that keeps what it has makes the allocation a few hundred nanoseconds.
void keep_pool_memory() {
  static bool done = false;
  if (done) return;
  done = true;
  int dev = 0;
  cudaMemPool_t pool;
  if (cudaGetDevice(&dev) != cudaSuccess || cudaDeviceGetDefaultMemPool(&pool, dev) != cudaSuccess) return;
  unsigned long long keep = ~0ull;
  cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep);
}

bool sort_smem_ready() {  // the sort needs more than the default 48 KB of dynamic shared memory
  static int state = 0;  // 0 unknown, 1 ready, -1 unavailable (then ALGO 0 falls back to 1)
  if (state == 0) {
    state = cudaFuncSetAttribute(sort_rows<BLOCK>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 kSortMaxN * static_cast<int>(sizeof(unsigned long long))) == cudaSuccess ? 1 : -1;
    if (state < 0) cudaGetLastError();  // clear the failed call's error
  }
  return state > 0;
}

}  // namespace

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void* stream) {
  if (n_in != 1 || n_out != 1 || in[0].ndim != 2 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLFloat || in[0].dtype.bits != 32) return 1;
  if (out[0].dtype.code != kDLInt || out[0].dtype.bits != 32) return 1;
  const int64_t m = in[0].shape[0], n = in[0].shape[1], k64 = out[0].shape[1];
  if (out[0].shape[0] != m || k64 < 0 || k64 > n || n > 0x7fffffff || m > 0x7fffffff) return 1;
  if (m == 0 || k64 == 0) return 0;
  const int k = static_cast<int>(k64);
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  const float* x = static_cast<const float*>(in[0].data);
  int* y = static_cast<int*>(out[0].data);
  const unsigned rows = static_cast<unsigned>(m);

  if (ALGO == 0 && n <= kSortMaxN && sort_smem_ready()) {
    int p = 1;
    while (p < n) p <<= 1;
    sort_rows<BLOCK><<<rows, BLOCK, p * sizeof(unsigned long long), s>>>(x, y, static_cast<int>(n), k, p);
    return cudaGetLastError() == cudaSuccess ? 0 : 2;
  }
  int64_t blocks_per_row = 1;
  if (ALGO == 2 && m <= 65535) {  // rows go on grid.y
    const int64_t want = std::max<int64_t>(2, (2 * sm_count() + m - 1) / m), most = n / kMinSlice;
    blocks_per_row = std::min(want, most);
  }
  if (blocks_per_row <= 1) {
    radix_rows<BLOCK><<<rows, BLOCK, 0, s>>>(x, y, n, k);
    return cudaGetLastError() == cudaSuccess ? 0 : 2;
  }
  const int64_t chunk = (n + blocks_per_row - 1) / blocks_per_row;
  const dim3 grid(static_cast<unsigned>((n + chunk - 1) / chunk), rows);  // every block gets keys
  const size_t scratch_bytes = static_cast<size_t>(m) * kScratchPerRow * sizeof(unsigned);
  unsigned* scratch = nullptr;
  keep_pool_memory();
  if (cudaMallocAsync(reinterpret_cast<void**>(&scratch), scratch_bytes, s) != cudaSuccess) return 2;
  cudaMemsetAsync(scratch, 0, scratch_bytes, s);
  for (int pass = 0; pass < 4; ++pass) split_histogram<BLOCK><<<grid, BLOCK, 0, s>>>(x, scratch, n, k, pass, chunk);
  split_write<BLOCK><<<grid, BLOCK, 0, s>>>(x, scratch, y, n, k, chunk);
  const cudaError_t launched = cudaGetLastError();
  cudaFreeAsync(scratch, s);
  return launched == cudaSuccess ? 0 : 2;
}
