// rmsnorm, improved for GPUs: one wavefront (64 lanes) per short row (shuffle reduction only, no shared memory or
// barriers) and one block per long row (shuffles, then one shared-memory exchange between
// wavefronts); float4 loads and stores of x, weight and y when rows allow them; one rsqrt per row, so
// the write pass multiplies instead of dividing. The second read of x mostly hits L1/L2.
// eps = 1e-6.
// HIP port of ../cuda_warp for CDNA (wave64); compiled in CI for gfx90a, never run on AMD hardware.
#include <dlpack/dlpack.h>
#include <hip/hip_runtime.h>
#include <cstdint>

#ifndef BLOCK
#define BLOCK 256  // threads per block
#endif
#ifndef WARP_MAX_D
#define WARP_MAX_D 1024  // rows up to this long get one warp each; longer rows get a block
#endif
#ifndef EPS
#define EPS 1e-6f
#endif

namespace {

// A CDNA wavefront is 64 lanes (the CUDA version's warps are 32): every shuffle reduction runs
// over 64 lanes, and a short row gets one wavefront.
constexpr int kWave = 64;

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int off = kWave / 2; off > 0; off /= 2) v += __shfl_xor(v, off);
  return v;
}

template <int NT>
__device__ __forceinline__ float partial_squares(const float* __restrict__ xr, int64_t d, int tid, bool vec) {
  float s = 0.0f;
  if (vec) {
    const float4* x4 = reinterpret_cast<const float4*>(xr);
    for (int64_t j = tid; j < d / 4; j += NT) {
      const float4 v = x4[j];
      s += v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;
    }
  } else {
    for (int64_t j = tid; j < d; j += NT) s += xr[j] * xr[j];
  }
  return s;
}

template <int NT>
__device__ __forceinline__ void write_row(const float* __restrict__ xr, const float* __restrict__ w,
                                          float* __restrict__ yr, int64_t d, int tid, bool vec, float inv) {
  if (vec) {
    const float4* x4 = reinterpret_cast<const float4*>(xr);
    const float4* w4 = reinterpret_cast<const float4*>(w);
    float4* y4 = reinterpret_cast<float4*>(yr);
    for (int64_t j = tid; j < d / 4; j += NT) {
      const float4 v = x4[j], g = w4[j];
      y4[j] = make_float4(v.x * inv * g.x, v.y * inv * g.y, v.z * inv * g.z, v.w * inv * g.w);
    }
  } else {
    for (int64_t j = tid; j < d; j += NT) yr[j] = xr[j] * inv * w[j];
  }
}

__global__ void __launch_bounds__(BLOCK) rmsnorm_warp_rows(const float* __restrict__ x, const float* __restrict__ w,
                                                           float* __restrict__ y, int64_t m, int64_t d, bool vec) {
  const int64_t row = blockIdx.x * static_cast<int64_t>(BLOCK / kWave) + threadIdx.x / kWave;
  if (row >= m) return;  // the whole warp leaves together
  const int lane = threadIdx.x % kWave;
  const float* xr = x + row * d;
  const float ss = warp_sum(partial_squares<kWave>(xr, d, lane, vec));
  write_row<kWave>(xr, w, y + row * d, d, lane, vec, rsqrtf(ss / static_cast<float>(d) + EPS));
}

template <int NT>
__global__ void __launch_bounds__(NT) rmsnorm_block_rows(const float* __restrict__ x, const float* __restrict__ w,
                                                        float* __restrict__ y, int64_t d, bool vec) {
  __shared__ float part[NT / kWave];
  const float* xr = x + blockIdx.x * d;
  const float s = warp_sum(partial_squares<NT>(xr, d, threadIdx.x, vec));
  if (threadIdx.x % kWave == 0) part[threadIdx.x / kWave] = s;
  __syncthreads();
  float ss = 0.0f;
#pragma unroll
  for (int k = 0; k < NT / kWave; ++k) ss += part[k];
  write_row<NT>(xr, w, y + blockIdx.x * d, d, threadIdx.x, vec, rsqrtf(ss / static_cast<float>(d) + EPS));
}

}  // namespace

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void* stream) {
  if (n_in != 2 || n_out != 1 || in[0].ndim != 2 || in[1].ndim != 1 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLFloat || in[0].dtype.bits != 32 || in[1].dtype.bits != 32) return 1;
  const int64_t m = in[0].shape[0], d = in[0].shape[1];
  if (in[1].shape[0] != d) return 1;
  if (m == 0 || d == 0) return 0;
  if (m > 0x7fffffff) return 1;
  hipStream_t s = static_cast<hipStream_t>(stream);
  const float* x = static_cast<const float*>(in[0].data);
  const float* w = static_cast<const float*>(in[1].data);
  float* y = static_cast<float*>(out[0].data);
  const bool vec = d % 4 == 0 && (reinterpret_cast<uintptr_t>(x) | reinterpret_cast<uintptr_t>(w) |
                                  reinterpret_cast<uintptr_t>(y)) % 16 == 0;
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
    rmsnorm_warp_rows<<<static_cast<unsigned>(blocks), BLOCK, 0, s>>>(x, w, y, m, d, vec);
  } else if (m < 2 * sms) {
    rmsnorm_block_rows<1024><<<static_cast<unsigned>(m), 1024, 0, s>>>(x, w, y, d, vec);  // few long rows
  } else {
    rmsnorm_block_rows<BLOCK><<<static_cast<unsigned>(m), BLOCK, 0, s>>>(x, w, y, d, vec);
  }
  return hipGetLastError() == hipSuccess ? 0 : 2;
}
