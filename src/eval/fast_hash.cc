// The host's loop of the input hash (fast_hash.h). Its terms are independent and their sum is
// taken modulo 2^64, so any order of addition gives the same value: the loop vectorises exactly.
// -O3 (src/eval/CMakeLists.txt) lets GCC vectorise it; the clones give AVX-512's 64-bit
// multiply where the CPU has one, AVX2 and plain x86-64 elsewhere (one binary for every host).
// Measured on the dev VM's Zen 5 core, 8 MB: 0.73 ms at -O2 (scalar), 0.14 ms with AVX-512.
#include "eval/fast_hash.h"

#include <cstring>

#if defined(__x86_64__) && !defined(__clang__)
#define KDA_HASH_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#else
#define KDA_HASH_CLONES
#endif

namespace kda {

KDA_HASH_CLONES uint64_t hash_word_sum(const uint8_t* p, size_t first, size_t count) {
  uint64_t sum = 0;
  for (size_t i = first; i < first + count; ++i) {
    uint64_t w;
    std::memcpy(&w, p + 8 * i, 8);
    sum += hash_word_term(w, i);
  }
  return sum;
}

}  // namespace kda
