// A fast non-cryptographic 64-bit hash used to detect input mutation (judge and runner compute
// it over the same bytes). Speed matters: it runs over every input set of every call, on both
// sides. Four independent lanes of 8 bytes each, so the multiply latency of one lane's chain
// does not bound the rate (~4x the single-chain version); any change of any byte changes the lane
// it falls in, and the lanes are mixed together at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kda {

inline uint64_t fast_hash64(const void* data, size_t size, uint64_t seed = 0x9e3779b97f4a7c15ull) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  uint64_t h[4] = {seed ^ (size * 0xff51afd7ed558ccdull), seed + 0x632be59bd9b4e019ull, seed ^ 0x85ebca77c2b2ae63ull,
                   seed - 0x27d4eb2f165667c5ull};
  size_t i = 0;
  for (; i + 32 <= size; i += 32) {
    for (int l = 0; l < 4; ++l) {
      uint64_t v;
      std::memcpy(&v, p + i + 8 * l, 8);
      v *= 0xc4ceb9fe1a85ec53ull;
      v ^= v >> 31;
      h[l] = (h[l] ^ v) * 0x9fb21c651e98df25ull;
    }
  }
  for (; i + 8 <= size; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    v *= 0xc4ceb9fe1a85ec53ull;
    v ^= v >> 31;
    h[0] = (h[0] ^ v) * 0x9fb21c651e98df25ull;
  }
  for (; i < size; ++i) h[1] = (h[1] ^ p[i]) * 0x100000001b3ull;
  uint64_t r = h[0];
  for (int l = 1; l < 4; ++l) {
    r ^= h[l] + 0x9e3779b97f4a7c15ull + (r << 6) + (r >> 2);
    r *= 0xff51afd7ed558ccdull;
  }
  r ^= r >> 33;
  r *= 0xff51afd7ed558ccdull;
  r ^= r >> 33;
  return r;
}

}  // namespace kda
