// softmax, improved for GPUs: online softmax (running max and rescaled sum, one exp per element
// in the statistics pass), so a row is read twice instead of three times; 16-byte vector loads
// and stores (float4) when rows allow them; one wavefront (64 lanes) per short row (shuffle reductions only) and
// one block per long row (shuffles, then one shared-memory exchange between warps).
// HIP port of ../cuda_warp for CDNA (wave64); compiled in CI for gfx90a, never run on AMD hardware.
#include <dlpack/dlpack.h>
#include <hip/hip_runtime.h>
#include <cstdint>

namespace {

// A CDNA wavefront is 64 lanes (the CUDA version's warps are 32): every shuffle reduction runs
// over 64 lanes, and a short row gets one wavefront.
constexpr int kWave = 64;

using Elem = float;
constexpr int kVec = 4;  // elements per 16-byte access
constexpr int kDtypeCode = kDLFloat, kDtypeBits = 32;

struct Pack {
  float v[kVec];
};

__device__ __forceinline__ Pack load_pack(const float* p) {
  const float4 q = *reinterpret_cast<const float4*>(p);
  return {{q.x, q.y, q.z, q.w}};
}

__device__ __forceinline__ void store_pack(float* p, const Pack& a) {
  *reinterpret_cast<float4*>(p) = make_float4(a.v[0], a.v[1], a.v[2], a.v[3]);
}

__device__ __forceinline__ float load_one(const float* p) { return *p; }
__device__ __forceinline__ void store_one(float* p, float v) { *p = v; }

}  // namespace

#ifndef BLOCK
#define BLOCK 256  // threads per block (warp-per-row kernel, and block-per-row on many rows)
#endif
#ifndef WARP_MAX_D
#define WARP_MAX_D 1024  // rows up to this long get one warp each; longer rows get a block
#endif

namespace {

// Running (max, sum of exp(x - max)) of a set of values: the online-softmax state.
struct MaxSum {
  float m, s;
};

__device__ __forceinline__ void add_value(MaxSum& a, float v) {
  if (v > a.m) {
    a.s = a.s * expf(a.m - v) + 1.0f;  // rescale what was summed against the old maximum
    a.m = v;
  } else {
    a.s += expf(v - a.m);
  }
}

__device__ __forceinline__ MaxSum merge(MaxSum a, MaxSum b) {
  const float m = fmaxf(a.m, b.m);
  if (m == -INFINITY) return {m, 0.0f};  // both empty
  return {m, a.s * expf(a.m - m) + b.s * expf(b.m - m)};
}

__device__ __forceinline__ MaxSum warp_merge(MaxSum a) {
#pragma unroll
  for (int off = kWave / 2; off > 0; off /= 2) {
    MaxSum o{__shfl_xor(a.m, off), __shfl_xor(a.s, off)};
    a = merge(a, o);
  }
  return a;
}

// One pass over the row by NT cooperating threads (thread tid): this thread's share of the stats.
template <int NT>
__device__ __forceinline__ MaxSum row_stats(const Elem* __restrict__ xr, int64_t d, int tid, bool vec) {
  MaxSum a{-INFINITY, 0.0f};
  if (vec) {
    for (int64_t j = static_cast<int64_t>(tid) * kVec; j < d; j += static_cast<int64_t>(NT) * kVec) {
      Pack p = load_pack(xr + j);
#pragma unroll
      for (int k = 0; k < kVec; ++k) add_value(a, p.v[k]);
    }
  } else {
    for (int64_t j = tid; j < d; j += NT) add_value(a, load_one(xr + j));
  }
  return a;
}

template <int NT>
__device__ __forceinline__ void row_write(const Elem* __restrict__ xr, Elem* __restrict__ yr, int64_t d, int tid,
                                          bool vec, float m, float inv) {
  if (vec) {
    for (int64_t j = static_cast<int64_t>(tid) * kVec; j < d; j += static_cast<int64_t>(NT) * kVec) {
      Pack p = load_pack(xr + j);
#pragma unroll
      for (int k = 0; k < kVec; ++k) p.v[k] = expf(p.v[k] - m) * inv;
      store_pack(yr + j, p);
    }
  } else {
    for (int64_t j = tid; j < d; j += NT) store_one(yr + j, expf(load_one(xr + j) - m) * inv);
  }
}

// Short rows: one warp per row, everything in registers and shuffles, no shared memory.
__global__ void __launch_bounds__(BLOCK) softmax_warp_rows(const Elem* __restrict__ x, Elem* __restrict__ y,
                                                           int64_t m, int64_t d, bool vec) {
  const int64_t row = blockIdx.x * static_cast<int64_t>(BLOCK / kWave) + threadIdx.x / kWave;
  if (row >= m) return;  // the whole warp leaves together
  const int lane = threadIdx.x % kWave;
  const Elem* xr = x + row * d;
  MaxSum a = warp_merge(row_stats<kWave>(xr, d, lane, vec));
  row_write<kWave>(xr, y + row * d, d, lane, vec, a.m, 1.0f / a.s);
}

// Long rows: one block of NT threads per row; warps merge by shuffles, then across warps
// through shared memory (every thread merges the NT/32 partial states itself).
template <int NT>
__global__ void __launch_bounds__(NT) softmax_block_rows(const Elem* __restrict__ x, Elem* __restrict__ y, int64_t d,
                                                        bool vec) {
  __shared__ MaxSum part[NT / kWave];
  const Elem* xr = x + blockIdx.x * d;
  MaxSum a = warp_merge(row_stats<NT>(xr, d, threadIdx.x, vec));
  if (threadIdx.x % kWave == 0) part[threadIdx.x / kWave] = a;
  __syncthreads();
  a = part[0];
#pragma unroll
  for (int w = 1; w < NT / kWave; ++w) a = merge(a, part[w]);
  row_write<NT>(xr, y + blockIdx.x * d, d, threadIdx.x, vec, a.m, 1.0f / a.s);
}

}  // namespace

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void* stream) {
  if (n_in != 1 || n_out != 1 || in[0].ndim != 2 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDtypeCode || in[0].dtype.bits != kDtypeBits) return 1;
  const int64_t m = in[0].shape[0], d = in[0].shape[1];
  if (m == 0 || d == 0) return 0;
  if (m > 0x7fffffff) return 1;
  hipStream_t s = static_cast<hipStream_t>(stream);
  const Elem* x = static_cast<const Elem*>(in[0].data);
  Elem* y = static_cast<Elem*>(out[0].data);
  // 16-byte accesses need every row start 16-byte aligned: D a multiple of the pack width and
  // both base pointers aligned.
  const bool vec = d % kVec == 0 && reinterpret_cast<uintptr_t>(x) % 16 == 0 && reinterpret_cast<uintptr_t>(y) % 16 == 0;
  static int sms = 0;
  if (sms == 0) {
    int dev = 0;
    hipGetDevice(&dev);
    hipDeviceGetAttribute(&sms, hipDeviceAttributeMultiprocessorCount, dev);
    if (sms <= 0) sms = 1;
  }
  if (d <= WARP_MAX_D) {
    constexpr int rows_per_block = BLOCK / kWave;
    const int64_t blocks = (m + rows_per_block - 1) / rows_per_block;
    softmax_warp_rows<<<static_cast<unsigned>(blocks), BLOCK, 0, s>>>(x, y, m, d, vec);
  } else if (m < 2 * sms) {
    // Few long rows: the grid cannot fill the GPU, so give each row as many threads as possible.
    softmax_block_rows<1024><<<static_cast<unsigned>(m), 1024, 0, s>>>(x, y, d, vec);
  } else {
    softmax_block_rows<BLOCK><<<static_cast<unsigned>(m), BLOCK, 0, s>>>(x, y, d, vec);
  }
  return hipGetLastError() == hipSuccess ? 0 : 2;
}
