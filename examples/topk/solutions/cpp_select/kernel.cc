// top-k on CPUs: three selection algorithms, because the best one depends on how N compares with
// K. Scores become order-preserving uint32 keys (larger float -> larger key), so every comparison
// is an integer one; a key packed above its inverted position ((key << 32) | ~pos) makes one
// uint64 comparison order by score, then by lower position.
//   ALGO 0: std::nth_element on packed pairs. Linear, but it builds and shuffles all N pairs:
//           cheap when N is close to K (every element is likely to be selected anyway).
//   ALGO 1: min-heap of the K best so far and a streaming threshold filter. Once the heap is warm
//           almost every element is rejected by one comparison with the heap minimum, tested 16
//           at a time with a SIMD max, so large N costs little more than one read of the row. A
//           heap of K elements is pure overhead when N is close to K.
//   ALGO 2: radix select: a histogram of the top 11 key bits finds the bucket that holds the K-th
//           key, a second pass writes the positions above it and gathers that bucket, and two more
//           histogram passes over the (few) gathered keys resolve the rest. Two branch-light
//           passes whatever the data.
// ROW_SPLIT 1: when there are fewer rows than threads, each row is cut into one slice per thread;
// each thread selects the top K of its slice, and a final nth_element over the (threads * K)
// survivors picks the answer (any element in the top K of the row is in the top K of its slice).
#include <dlpack/dlpack.h>
#include <omp.h>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#ifndef ALGO
#define ALGO 1  // 0 nth_element, 1 heap + threshold filter, 2 radix select
#endif
#ifndef ROW_SPLIT
#define ROW_SPLIT 1  // 1: split each row across threads when rows are fewer than threads
#endif

namespace {

inline uint32_t key_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u ^ (static_cast<uint32_t>(static_cast<int32_t>(u) >> 31) | 0x80000000u);
}
inline uint64_t pack(uint32_t key, int64_t pos) {
  return (static_cast<uint64_t>(key) << 32) | static_cast<uint32_t>(~static_cast<uint32_t>(pos));
}
inline int32_t pos_of(uint64_t p) { return static_cast<int32_t>(~static_cast<uint32_t>(p)); }

std::vector<uint64_t>& scratch(size_t n) {  // per thread, reused across calls
  thread_local std::vector<uint64_t> v;
  if (v.size() < n) v.resize(n);
  return v;
}

// Each select_* writes the positions (off + j) of the k best of x[0, n) to out[0, k); 1 <= k < n.
void select_nth(const float* x, int64_t n, int64_t k, int64_t off, int32_t* out) {
  uint64_t* v = scratch(n).data();
  for (int64_t j = 0; j < n; ++j) v[j] = pack(key_of(x[j]), off + j);
  std::nth_element(v, v + (k - 1), v + n, std::greater<uint64_t>());
  for (int64_t j = 0; j < k; ++j) out[j] = pos_of(v[j]);
}

// Replaces the minimum of the min-heap h[0, k) with v (> the minimum) and restores the heap.
void replace_min(uint64_t* h, int64_t k, uint64_t v) {
  int64_t i = 0;
  for (;;) {
    int64_t c = 2 * i + 1;
    if (c >= k) break;
    if (c + 1 < k && h[c + 1] < h[c]) ++c;
    if (h[c] >= v) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = v;
}

void select_heap(const float* x, int64_t n, int64_t k, int64_t off, int32_t* out) {
  uint64_t* h = scratch(k).data();
  for (int64_t j = 0; j < k; ++j) h[j] = pack(key_of(x[j]), off + j);
  std::make_heap(h, h + k, std::greater<uint64_t>());  // min-heap
  // A later element with a key equal to the minimum's packs lower (larger position), so only a
  // strictly greater key can enter.
  uint32_t thr = static_cast<uint32_t>(h[0] >> 32);
  auto offer = [&](int64_t j) {
    const uint32_t kj = key_of(x[j]);
    if (kj > thr) {
      replace_min(h, k, pack(kj, off + j));
      thr = static_cast<uint32_t>(h[0] >> 32);
    }
  };
  constexpr int kChunk = 16;
  int64_t j = k;
  for (; j + kChunk <= n; j += kChunk) {
    uint32_t mx = 0;
#pragma omp simd reduction(max : mx)
    for (int t = 0; t < kChunk; ++t) mx = std::max(mx, key_of(x[j + t]));
    if (mx <= thr) continue;
    for (int t = 0; t < kChunk; ++t) offer(j + t);
  }
  for (; j < n; ++j) offer(j);
  for (int64_t t = 0; t < k; ++t) out[t] = pos_of(h[t]);
}

// Finds the digit b such that fewer than `need` counted keys lie above it and at least `need`
// lie at or above it; returns b and subtracts the count above it from need.
int pick_digit(const uint32_t* hist, int bins, int64_t& need) {
  int64_t above = 0;
  for (int b = bins - 1; b > 0; --b) {
    if (above + hist[b] >= need) {
      need -= above;
      return b;
    }
    above += hist[b];
  }
  need -= above;
  return 0;
}

void select_radix(const float* x, int64_t n, int64_t k, int64_t off, int32_t* out) {
  constexpr int kTopBits = 11, kTopShift = 32 - kTopBits;
  uint32_t hist[4][1 << kTopBits] = {};  // four copies break the increment dependency chains
  int64_t j = 0;
  for (; j + 4 <= n; j += 4)
    for (int t = 0; t < 4; ++t) ++hist[t][key_of(x[j + t]) >> kTopShift];
  for (; j < n; ++j) ++hist[0][key_of(x[j]) >> kTopShift];
  for (int b = 0; b < (1 << kTopBits); ++b) hist[0][b] += hist[1][b] + hist[2][b] + hist[3][b];
  int64_t need = k;
  const uint32_t top = static_cast<uint32_t>(pick_digit(hist[0], 1 << kTopBits, need));
  int64_t o = 0, nc = 0;
  uint64_t* c = scratch(hist[0][top]).data();
  for (j = 0; j < n; ++j) {
    const uint32_t kj = key_of(x[j]), d = kj >> kTopShift;
    if (d > top) out[o++] = static_cast<int32_t>(off + j);
    else if (d == top) c[nc++] = pack(kj, off + j);
  }
  // The candidates share their top bits; the next 11 bits, then the last 10, narrow them down.
  constexpr int kShift[2] = {10, 0}, kBits[2] = {11, 10};
  for (int p = 0; p < 2 && nc > need; ++p) {
    uint32_t h[1 << 11] = {};
    const uint32_t mask = (1u << kBits[p]) - 1;
    for (int64_t t = 0; t < nc; ++t) ++h[(c[t] >> (32 + kShift[p])) & mask];
    const uint32_t b = static_cast<uint32_t>(pick_digit(h, 1 << kBits[p], need));
    int64_t keep = 0;
    for (int64_t t = 0; t < nc; ++t) {
      const uint32_t d = (c[t] >> (32 + kShift[p])) & mask;
      if (d > b) out[o++] = pos_of(c[t]);
      else if (d == b) c[keep++] = c[t];
    }
    nc = keep;
  }
  for (int64_t t = 0; t < need; ++t) out[o++] = pos_of(c[t]);  // equal keys: any of them will do
}

void select_row(const float* x, int64_t n, int64_t k, int64_t off, int32_t* out) {
  if (k <= 0) return;
  if (k >= n) {
    for (int64_t j = 0; j < n; ++j) out[j] = static_cast<int32_t>(off + j);
    return;
  }
  if (ALGO == 0) select_nth(x, n, k, off, out);
  else if (ALGO == 1) select_heap(x, n, k, off, out);
  else select_radix(x, n, k, off, out);
}

void select_row_split(const float* x, int64_t n, int64_t k, int32_t* out, int threads) {
  static std::vector<int32_t> cand;
  static std::vector<int64_t> count;
  cand.resize(static_cast<size_t>(threads) * k);
  count.assign(threads, 0);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t lo = n * t / nt, hi = n * (t + 1) / nt, kk = std::min(k, hi - lo);
    select_row(x + lo, hi - lo, kk, lo, cand.data() + t * k);
    count[t] = kk;
  }
  uint64_t* v = scratch(static_cast<size_t>(threads) * k).data();
  int64_t nv = 0;
  for (int t = 0; t < threads; ++t)
    for (int64_t j = 0; j < count[t]; ++j) {
      const int32_t p = cand[t * k + j];
      v[nv++] = pack(key_of(x[p]), p);
    }
  std::nth_element(v, v + (k - 1), v + nv, std::greater<uint64_t>());
  for (int64_t j = 0; j < k; ++j) out[j] = pos_of(v[j]);
}

}  // namespace

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void*) {
  if (n_in != 1 || n_out != 1 || in[0].ndim != 2 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLFloat || in[0].dtype.bits != 32) return 1;
  if (out[0].dtype.code != kDLInt || out[0].dtype.bits != 32) return 1;
  const int64_t m = in[0].shape[0], n = in[0].shape[1], k = out[0].shape[1];
  if (out[0].shape[0] != m || k < 0 || k > n || n > INT32_MAX) return 1;
  const float* x = static_cast<const float*>(in[0].data);
  int32_t* y = static_cast<int32_t*>(out[0].data);
  if (m == 0 || k == 0) return 0;
  const int threads = omp_get_max_threads();
  if (ROW_SPLIT && m < threads && k < n) {
    for (int64_t r = 0; r < m; ++r) select_row_split(x + r * n, n, k, y + r * k, threads);
    return 0;
  }
#pragma omp parallel for schedule(static) if (m > 1 && m * n >= (1 << 16))
  for (int64_t r = 0; r < m; ++r) select_row(x + r * n, n, k, 0, y + r * k);
  return 0;
}
