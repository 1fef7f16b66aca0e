#include "task/counter_rng.h"

#include <algorithm>
#include <cstring>

// Built with -O3 -fno-math-errno -fno-trapping-math -ffp-contract=off (src/task/CMakeLists.txt):
// the loops vectorise, and no fused multiply-add changes a result between ISAs.
#if defined(__x86_64__) && defined(__GNUC__)
#define KDA_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define KDA_CLONES
#endif
#define KDA_INLINE inline __attribute__((always_inline))

namespace kda {
namespace {

constexpr uint64_t kChunkBits = 12;
constexpr uint64_t kChunk = uint64_t{1} << kChunkBits;

uint64_t chunk_key(uint64_t key, uint64_t chunk) {
  uint64_t z = key + (chunk + 1) * 0x9e3779b97f4a7c15ull;  // splitmix64
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Chris Wellons' lowbias32: an invertible 32-bit mixer with low avalanche bias.
KDA_INLINE uint32_t lowbias32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

KDA_INLINE uint32_t bits_in_chunk(uint64_t ck, uint32_t j) {
  return lowbias32(lowbias32(j ^ static_cast<uint32_t>(ck)) + static_cast<uint32_t>(ck >> 32));
}

// ln(q) for q in [2^-24, 1]: exponent times ln 2 plus an odd series in t = (m-1)/(m+1),
// m in [sqrt(1/2), sqrt(2)) (|t| < 0.172, so five terms reach float precision).
KDA_INLINE float log_unit(float q) {
  uint32_t b;
  std::memcpy(&b, &q, 4);
  uint32_t mb = (b & 0x7fffffu) | 0x3f800000u;  // mantissa as a float in [1, 2)
  uint32_t big = mb > 0x3fb504f3u ? 1u : 0u;    // m > sqrt(2): halve it
  mb -= big << 23;
  int32_t e = static_cast<int32_t>(b >> 23) - 127 + static_cast<int32_t>(big);
  float m;
  std::memcpy(&m, &mb, 4);
  float t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
  float s = 1.0f + t2 * (1.0f / 3 + t2 * (1.0f / 5 + t2 * (1.0f / 7 + t2 * (1.0f / 9))));
  return static_cast<float>(e) * 0.693147180559945f + 2.0f * t * s;
}

// sqrt(2) * erfinv(x) for x = the top 24 bits as an odd multiple of 2^-24 in (-1, 1)
// (M. Giles, "Approximating the erfinv function", GPU Computing Gems, 2011).
KDA_INLINE float normal_of(uint32_t bits) {
  int32_t k = static_cast<int32_t>(((bits >> 8) << 1) + 1) - (1 << 24);  // exact in float
  float x = static_cast<float>(k) * 0x1.0p-24f;
  float w = -log_unit((1.0f - x) * (1.0f + x));
  float a = w - 2.5f;
  float p = 2.81022636e-08f;
  p = 3.43273939e-07f + p * a;
  p = -3.5233877e-06f + p * a;
  p = -4.39150654e-06f + p * a;
  p = 0.00021858087f + p * a;
  p = -0.00125372503f + p * a;
  p = -0.00417768164f + p * a;
  p = 0.246640727f + p * a;
  p = 1.50140941f + p * a;
  float s = __builtin_sqrtf(w) - 3.0f;
  float r = -0.000200214257f;
  r = 0.000100950558f + r * s;
  r = 0.00134934322f + r * s;
  r = -0.00367342844f + r * s;
  r = 0.00573950773f + r * s;
  r = -0.0076224613f + r * s;
  r = 0.00943887047f + r * s;
  r = 1.00167406f + r * s;
  r = 2.83297682f + r * s;
  return (w < 5.0f ? p : r) * x * 1.41421356237f;
}

KDA_CLONES void normal_run(float* out, uint32_t count, uint64_t ck, uint32_t j0) {
  for (uint32_t j = 0; j < count; ++j) out[j] = normal_of(bits_in_chunk(ck, j0 + j));
}

}  // namespace

uint32_t counter_bits(uint64_t key, uint64_t i) {
  return bits_in_chunk(chunk_key(key, i >> kChunkBits), static_cast<uint32_t>(i & (kChunk - 1)));
}

float normal_from_bits(uint32_t bits) { return normal_of(bits); }

void fill_normal(float* out, size_t count, uint64_t key, uint64_t first) {
  uint64_t i = first;
  const uint64_t end = first + count;
  while (i < end) {
    const uint64_t chunk = i >> kChunkBits, j0 = i & (kChunk - 1);
    const uint64_t m = std::min<uint64_t>(kChunk - j0, end - i);
    normal_run(out + (i - first), static_cast<uint32_t>(m), chunk_key(key, chunk), static_cast<uint32_t>(j0));
    i += m;
  }
}

}  // namespace kda
