// Counter-based random numbers for input generation: element `i` of the stream `key` is a pure
// function of (key, i). Unlike a sequential generator this lets the judge fill a tensor with
// vectorised loops, and compute any single element of a draw without the rest — a perturbed
// input set (docs/evaluator.md) needs a few elements of a fresh draw, not the whole draw.
//
// The stream is cut into chunks of 4096 elements; each chunk gets its own 64-bit key (splitmix64
// of the stream key and the chunk index), and an element's 32 bits are two rounds of an
// invertible 32-bit mixer (lowbias32) keyed by the chunk key, so the elements of a chunk are
// distinct. Normals come from the inverse CDF (Giles' single-precision erfinv, 24-bit
// uniforms, a polynomial log): no rejection loop, no NaN or Inf, |x| < 5.3. Only correctly
// rounded operations are used and nothing is contracted, so every build and ISA produces the
// same bits.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kda {

/// 32 random bits for element `i` of stream `key`.
uint32_t counter_bits(uint64_t key, uint64_t i);

/// out[j] ~ N(0, 1) for elements first + j, j < count, of stream `key`.
void fill_normal(float* out, size_t count, uint64_t key, uint64_t first);

/// The N(0, 1) sample that fill_normal gives for 32 random bits (exposed for tests).
float normal_from_bits(uint32_t bits);

}  // namespace kda
