// The input hash that detects a candidate mutating its inputs: the judge computes it over the
// sets it sends, the runner over the same tensors after each call (docs/evaluator.md, "Input
// mutation"). Not cryptographic, like every hash the candidate's own process computes.
//
// It is a sum, modulo 2^64, of one bijective mix per 8-byte word and its position, so that any
// range of words can be hashed on its own and the parts added in any order: the judge splits a
// set over its cores, and a GPU runner hashes device memory where it lies (one kernel, one 8-byte
// read back) instead of copying every input to the host after every call. Changing any one word
// changes its term and so the sum; the size is mixed into the result. The same functions compile
// for the host and, through KDA_HASH_FN, for CUDA and HIP device code (tools/runner/input_hash.cu).
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__CUDACC__) || defined(__HIPCC__)
#define KDA_HASH_FN __host__ __device__ inline
#else
#define KDA_HASH_FN inline
#endif

namespace kda {

/// The term of 8-byte word `w` at word position `i`: a bijection of w for every i.
KDA_HASH_FN uint64_t hash_word_term(uint64_t w, uint64_t i) {
  uint64_t x = w ^ (i * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull);
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 31;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 29;
  return x;
}

/// The sum of the terms of words [first, first + count) of `p` (which points at word 0). Host
/// code only, in fast_hash.cc: the runner hashes every input after every call and the judge
/// every set it makes, so the loop is compiled to vectorise (8 words per AVX-512 multiply).
uint64_t hash_word_sum(const uint8_t* p, size_t first, size_t count);

/// The hash of `size` bytes from the sum of their whole words' terms: the trailing size % 8
/// bytes (`tail`) count as one more word, zero-padded, and the size is mixed in last.
KDA_HASH_FN uint64_t hash_finish(uint64_t word_sum, const uint8_t* tail, size_t size) {
  const size_t words = size / 8, rest = size % 8;
  if (rest) {
    uint64_t w = 0;
    for (size_t k = 0; k < rest; ++k) w |= static_cast<uint64_t>(tail[k]) << (8 * k);
    word_sum += hash_word_term(w, words);
  }
  uint64_t r = word_sum ^ (static_cast<uint64_t>(size) * 0xff51afd7ed558ccdull);
  r ^= r >> 33;
  r *= 0xc4ceb9fe1a85ec53ull;
  r ^= r >> 33;
  return r;
}

/// The hash of `size` bytes, on the calling thread (the runner's, which has no worker pool).
/// The judge's is fast_hash64_on_host_cores (eval/fast_hash_parallel.cc), the same value.
inline uint64_t fast_hash64(const void* data, size_t size) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  return hash_finish(hash_word_sum(p, 0, size / 8), p + size / 8 * 8, size);
}

/// fast_hash64 with the words split over the host's cores (core/parallel.h), 2 MB a chunk at
/// least. Defined in fast_hash_parallel.cc, part of the judge's library only.
uint64_t fast_hash64_on_host_cores(const void* data, size_t size);

}  // namespace kda
