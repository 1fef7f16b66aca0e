// The input hash on the device (eval/fast_hash.h): each thread sums the terms of a grid-stride
// share of the words, each block adds its threads' sums in shared memory (no warp intrinsics,
// which differ between CUDA and HIP) and then one atomic to the total. Addition modulo 2^64 is
// exact in any order, so the result is the host's, bit for bit. One source for both vendors.
#include <algorithm>

#include "eval/fast_hash.h"
#include "tools/runner/gpu_kernels.h"

namespace kda::runner {
namespace {

constexpr int kHashThreads = 256;

__global__ void kda_input_hash(const unsigned long long* words, size_t count, unsigned long long* sum) {
  __shared__ unsigned long long part[kHashThreads];
  unsigned long long s = 0;
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride)
    s += kda::hash_word_term(words[i], i);
  part[threadIdx.x] = s;
  __syncthreads();
  for (int half = kHashThreads / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half) part[threadIdx.x] += part[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) atomicAdd(sum, part[0]);
}

}  // namespace

bool launch_input_hash(const void* data, size_t words, unsigned long long* sum, int sm_count, gpu::Stream stream) {
  if (words == 0) return true;
  const size_t wanted = (words + kHashThreads - 1) / kHashThreads;
  const int blocks = static_cast<int>(std::min<size_t>(wanted, static_cast<size_t>(std::max(sm_count, 1)) * 8));
  kda_input_hash<<<blocks, kHashThreads, 0, stream>>>(static_cast<const unsigned long long*>(data), words, sum);
  return gpu::last_error() == gpu::kSuccess;
}

}  // namespace kda::runner
