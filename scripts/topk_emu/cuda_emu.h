// A tiny CPU emulation of the CUDA subset that examples/topk/solutions/cuda_radix uses, so its
// logic (indexing, counters, the last-block and flag patterns, the refine) can be checked on a
// machine without a GPU. Every CUDA thread is an OS thread; a block's threads share a barrier
// (__syncthreads) and per-warp barriers (shuffles, ballots, votes, which need all 32 lanes, as
// the kernels' full masks say); atomics are std::atomic_ref. Blocks run in waves of kWave, or
// all at once for a cooperative launch (whose blocks may wait on each other). Shared memory is
// filled with 0xA5 bytes (uninitialised on a GPU). What it cannot check: the GPU memory model,
// timing, occupancy (the figures below are made up to give several blocks per row).
// Used by scripts/topk_emu/run.sh, which rewrites `k<<<...>>>(...)` and `__shared__ T x;`.
#pragma once
#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__ __restrict

struct alignas(16) float4 {
  float x, y, z, w;
};
struct alignas(8) uint2 {
  unsigned x, y;
};
struct alignas(16) uint4 {
  unsigned x, y, z, w;
};
inline float4 make_float4(float a, float b, float c, float d) { return float4{a, b, c, d}; }
inline uint2 make_uint2(unsigned a, unsigned b) { return uint2{a, b}; }
struct uint3 {
  unsigned x = 0, y = 0, z = 0;
};
struct dim3 {
  unsigned x, y, z;
  dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
using cudaStream_t = void*;
enum cudaError_t { cudaSuccess = 0, cudaErrorMemoryAllocation = 2 };
enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount = 16, cudaDevAttrL2CacheSize = 38 };

namespace emu {
constexpr int kSms = 4, kPerSm = 2, kWave = 8;

struct Block {
  explicit Block(unsigned nt) : bar(nt), warps(nt / 32) {
    for (auto& w : warps) w = std::make_unique<Warp>();
  }
  struct Warp {
    std::barrier<> bar{32};
    unsigned vals[32];
  };
  std::barrier<> bar;
  std::vector<std::unique_ptr<Warp>> warps;
  std::mutex mu;
  std::map<int, std::unique_ptr<unsigned char[]>> shared;
};
inline thread_local Block* cur = nullptr;
}  // namespace emu

inline thread_local uint3 threadIdx, blockIdx;
inline thread_local dim3 blockDim, gridDim;

template <class T>
T& emu_shared(int line) {
  std::lock_guard<std::mutex> g(emu::cur->mu);
  auto& p = emu::cur->shared[line];
  if (!p) {
    p.reset(new unsigned char[sizeof(T)]);
    std::memset(p.get(), 0xa5, sizeof(T));
  }
  return *reinterpret_cast<T*>(p.get());
}

inline void __syncthreads() { emu::cur->bar.arrive_and_wait(); }
inline void __syncwarp(unsigned = 0xffffffffu) { emu::cur->warps[threadIdx.x / 32]->bar.arrive_and_wait(); }
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __nanosleep(unsigned) { std::this_thread::yield(); }

// All 32 lanes: publish, wait, read, wait (so the slots can be reused).
inline unsigned emu_exchange(unsigned v, unsigned src) {
  auto& w = *emu::cur->warps[threadIdx.x / 32];
  w.vals[threadIdx.x % 32] = v;
  w.bar.arrive_and_wait();
  const unsigned r = w.vals[src];
  w.bar.arrive_and_wait();
  return r;
}
inline unsigned emu_ballot(bool p) {
  auto& w = *emu::cur->warps[threadIdx.x / 32];
  w.vals[threadIdx.x % 32] = p;
  w.bar.arrive_and_wait();
  unsigned b = 0;
  for (int l = 0; l < 32; ++l) b |= (w.vals[l] ? 1u : 0u) << l;
  w.bar.arrive_and_wait();
  return b;
}
inline unsigned __shfl_sync(unsigned, unsigned v, int src) { return emu_exchange(v, static_cast<unsigned>(src) % 32); }
inline unsigned __shfl_up_sync(unsigned, unsigned v, int d) {
  const unsigned lane = threadIdx.x % 32;
  const unsigned r = emu_exchange(v, lane >= static_cast<unsigned>(d) ? lane - d : lane);
  return r;
}
inline unsigned __shfl_down_sync(unsigned, unsigned v, int d) {
  const unsigned lane = threadIdx.x % 32;
  return emu_exchange(v, lane + d < 32 ? lane + d : lane);
}
inline unsigned __ballot_sync(unsigned, bool p) { return emu_ballot(p); }
inline bool __any_sync(unsigned, bool p) { return emu_ballot(p) != 0; }
inline int __popc(unsigned v) { return __builtin_popcount(v); }
inline int __ffs(unsigned v) { return __builtin_ffs(static_cast<int>(v)); }
inline unsigned __float_as_uint(float f) {
  unsigned u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline unsigned atomicAdd(unsigned* p, unsigned v) { return std::atomic_ref<unsigned>(*p).fetch_add(v); }
inline unsigned atomicExch(unsigned* p, unsigned v) { return std::atomic_ref<unsigned>(*p).exchange(v); }
template <class T>
T __ldcg(const T* p) {
  std::atomic_thread_fence(std::memory_order_acquire);
  return *p;
}

inline cudaError_t cudaGetLastError() { return cudaSuccess; }
inline cudaError_t cudaGetDevice(int* d) {
  *d = 0;
  return cudaSuccess;
}
inline cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr a, int) {
  *v = a == cudaDevAttrMultiProcessorCount ? emu::kSms : (50 << 20);
  return cudaSuccess;
}
template <class F>
cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* b, F, int, size_t) {
  *b = emu::kPerSm;
  return cudaSuccess;
}
inline cudaError_t cudaMalloc(void** p, size_t n) {
  *p = std::aligned_alloc(256, (n + 255) / 256 * 256);
  if (*p) std::memset(*p, 0x5a, n);  // not zero: the kernels must not rely on fresh memory
  return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
inline cudaError_t cudaFree(void* p) {
  std::free(p);
  return cudaSuccess;
}
inline cudaError_t cudaMemsetAsync(void* p, int v, size_t n, cudaStream_t) {
  std::memset(p, v, n);
  return cudaSuccess;
}

namespace emu {
inline int launches = 0;  // kernels launched, cooperative ones included
template <class F>
void run_blocks(F body, dim3 grid, dim3 block, size_t first, size_t count) {
  std::vector<std::unique_ptr<Block>> blocks;
  std::vector<std::thread> threads;
  for (size_t b = first; b < first + count; ++b) blocks.push_back(std::make_unique<Block>(block.x));
  for (size_t i = 0; i < count; ++i)
    for (unsigned t = 0; t < block.x; ++t)
      threads.emplace_back([&, i, t] {
        const size_t b = first + i;
        cur = blocks[i].get();
        threadIdx = uint3{t, 0, 0};
        blockIdx = uint3{static_cast<unsigned>(b % grid.x), static_cast<unsigned>(b / grid.x % grid.y),
                         static_cast<unsigned>(b / grid.x / grid.y)};
        blockDim = block;
        gridDim = grid;
        body();
        // A thread that returned early must not leave the block barrier short: it drops out.
        cur->bar.arrive_and_drop();
      });
  for (auto& th : threads) th.join();
}
template <class F>
void launch(F body, dim3 grid, dim3 block, bool cooperative) {
  ++launches;
  const size_t total = static_cast<size_t>(grid.x) * grid.y * grid.z;
  const size_t wave = cooperative ? total : kWave;
  for (size_t first = 0; first < total; first += wave) run_blocks(body, grid, block, first, std::min(wave, total - first));
}
}  // namespace emu

// The rewritten launch sites: emu_launch(kernel, grid, block, smem, stream, args...).
template <class K, class... A>
void emu_launch(K kernel, dim3 grid, dim3 block, size_t, cudaStream_t, A... args) {
  emu::launch([&] { kernel(args...); }, grid, block, false);
}
template <class K, class... A>
cudaError_t emu_coop(K kernel, dim3 grid, dim3 block, A... args) {
  if (static_cast<size_t>(grid.x) * grid.y * grid.z > static_cast<size_t>(emu::kSms * emu::kPerSm)) return cudaErrorMemoryAllocation;
  emu::launch([&] { kernel(args...); }, grid, block, true);
  return cudaSuccess;
}
