// A fast non-cryptographic 64-bit hash used to detect input mutation (judge and runner compute
// it over the same bytes). Speed matters: it runs over every input set of every call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kda {

inline uint64_t fast_hash64(const void* data, size_t size, uint64_t seed = 0x9e3779b97f4a7c15ull) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  uint64_t h = seed ^ (size * 0xff51afd7ed558ccdull);
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    v *= 0xc4ceb9fe1a85ec53ull;
    v ^= v >> 31;
    h = (h ^ v) * 0x9fb21c651e98df25ull;
  }
  for (; i < size; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

}  // namespace kda
