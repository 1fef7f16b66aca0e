#include "task/dtype.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <cstring>

namespace kda {

TEST(DType, NamesRoundTrip) {
  for (const char* n : {"float32", "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2", "int8", "int16", "int32",
                        "int64", "uint8", "bool", "float4_e2m1"}) {
    auto t = parse_dtype(n);
    ASSERT_TRUE(t.has_value()) << n;
    EXPECT_STREQ(dtype_name(*t), n);
  }
  EXPECT_FALSE(parse_dtype("float64").has_value());
}

uint32_t bits_after_store(DType t, double v) {
  uint8_t buf[8] = {0};
  store_element(t, buf, 0, v);
  uint32_t b = 0;
  std::memcpy(&b, buf, dtype_size(t));
  return b;
}

TEST(DType, KnownBitPatterns) {
  EXPECT_EQ(bits_after_store(DType::kBFloat16, 1.0), 0x3f80u);
  EXPECT_EQ(bits_after_store(DType::kFloat16, 1.0), 0x3c00u);
  EXPECT_EQ(bits_after_store(DType::kFloat16, 65504.0), 0x7bffu);
  EXPECT_EQ(bits_after_store(DType::kFloat16, 1e6), 0x7c00u);  // overflow to +inf
  EXPECT_EQ(bits_after_store(DType::kFloat8E4M3, 448.0), 0x7eu);
  EXPECT_EQ(bits_after_store(DType::kFloat8E4M3, 1000.0), 0x7eu);  // saturates, no inf in e4m3fn
  EXPECT_EQ(bits_after_store(DType::kFloat8E4M3, 1.0), 0x38u);
  EXPECT_EQ(bits_after_store(DType::kFloat8E5M2, 1.0), 0x3cu);
  EXPECT_EQ(bits_after_store(DType::kFloat8E5M2, -2.0), 0xc0u);
}

TEST(DType, RoundToNearestEven) {
  // 1 + 2^-8 lies halfway between two bf16 values (1 and 1+2^-7): ties go to the even one (1).
  EXPECT_EQ(bits_after_store(DType::kBFloat16, 1.0 + std::ldexp(1.0, -8)), 0x3f80u);
  EXPECT_EQ(bits_after_store(DType::kBFloat16, 1.0 + 3 * std::ldexp(1.0, -8)), 0x3f82u);
}

TEST(DType, DecodeMatchesEncodeOnEveryFp8AndHalfValue) {
  for (DType t : {DType::kFloat8E4M3, DType::kFloat8E5M2, DType::kFloat16}) {
    const uint32_t count = dtype_size(t) == 1 ? 256 : 65536;
    for (uint32_t b = 0; b < count; ++b) {
      uint8_t buf[2] = {static_cast<uint8_t>(b), static_cast<uint8_t>(b >> 8)};
      double v = load_element(t, buf, 0);
      if (std::isnan(v)) continue;
      uint32_t back = bits_after_store(t, v);
      if (v == 0) continue;  // +0/-0 both fine
      ASSERT_EQ(back, b) << dtype_name(t) << " value " << v;
    }
  }
}

TEST(DType, OverflowThresholdIsHalfAnUlpAboveMax) {
  // fp16: max 65504, ulp there 32; 65520 is the tie between 65504 (odd mantissa) and inf.
  EXPECT_EQ(bits_after_store(DType::kFloat16, 65519.99), 0x7bffu);
  EXPECT_EQ(bits_after_store(DType::kFloat16, 65520.0), 0x7c00u);
  EXPECT_EQ(bits_after_store(DType::kFloat16, -65520.0), 0xfc00u);
  // e5m2: max 57344, ulp 8192: inf from 61440.
  EXPECT_EQ(bits_after_store(DType::kFloat8E5M2, 61439.0), 0x7bu);
  EXPECT_EQ(bits_after_store(DType::kFloat8E5M2, 61440.0), 0x7cu);
  EXPECT_EQ(bits_after_store(DType::kBFloat16, std::ldexp(255.0, 120)), 0x7f7fu);
  EXPECT_EQ(bits_after_store(DType::kBFloat16, std::ldexp(511.0, 119)), 0x7f80u);
}

TEST(DType, SpecialValues) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  EXPECT_EQ(bits_after_store(DType::kFloat8E4M3, inf), 0x7eu);  // e4m3fn saturates
  EXPECT_EQ(bits_after_store(DType::kFloat8E4M3, -inf), 0xfeu);
  EXPECT_EQ(bits_after_store(DType::kFloat8E4M3, -1000.0), 0xfeu);
  EXPECT_EQ(bits_after_store(DType::kFloat8E4M3, nan), 0x7fu);
  EXPECT_TRUE(std::isnan(load_element(DType::kFloat8E4M3, "\xff", 0)));
  EXPECT_EQ(load_element(DType::kFloat8E4M3, "\x7e", 0), 448.0);
  EXPECT_EQ(bits_after_store(DType::kFloat8E5M2, -inf), 0xfcu);
  EXPECT_TRUE(std::isnan(load_element(DType::kFloat8E5M2, "\x7d", 0)));
  EXPECT_EQ(bits_after_store(DType::kFloat16, -0.0), 0x8000u);
  EXPECT_EQ(bits_after_store(DType::kBFloat16, nan), 0x7fc0u);
  // Smallest subnormals, and the tie below them going to (even) zero.
  EXPECT_EQ(bits_after_store(DType::kFloat8E4M3, std::ldexp(1.0, -9)), 0x01u);
  EXPECT_EQ(bits_after_store(DType::kFloat8E4M3, std::ldexp(1.0, -10)), 0x00u);
  EXPECT_EQ(bits_after_store(DType::kFloat8E4M3, std::ldexp(3.0, -11)), 0x01u);
  EXPECT_EQ(bits_after_store(DType::kFloat8E5M2, std::ldexp(1.0, -16)), 0x01u);
  EXPECT_EQ(bits_after_store(DType::kFloat16, std::ldexp(1.0, -24)), 0x0001u);
  EXPECT_EQ(bits_after_store(DType::kBFloat16, std::ldexp(1.0, -133)), 0x0001u);
}

TEST(DType, Bf16RoundsOnceFromDouble) {
  // Just above the tie between 1 and 1+2^-7: a float intermediate would land on the tie and round
  // to 1; the exact result is 1+2^-7.
  EXPECT_EQ(bits_after_store(DType::kBFloat16, 1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -30)), 0x3f81u);
}

TEST(DType, IntegersClamp) {
  EXPECT_EQ(bits_after_store(DType::kInt8, 300.0), 127u);
  EXPECT_EQ(bits_after_store(DType::kUInt8, -5.0), 0u);
  EXPECT_EQ(bits_after_store(DType::kBool, 3.0), 1u);
}

// float4_e2m1 (e2m1, bias 1, no inf/NaN): the 16 codes by hand, 0-7 positive, 8-15 negative.
TEST(DType, Fp4E2m1EveryCodeDecodesToItsHandValue) {
  const double want[8] = {0, 0.5, 1, 1.5, 2, 3, 4, 6};
  for (uint8_t c = 0; c < 16; ++c) {
    const double v = fp4_e2m1_decode(c);
    EXPECT_EQ(v, c < 8 ? want[c] : -want[c - 8]) << int(c);
    if (c != 8) {  // -0 encodes back to 0x8 too, but compares equal to +0
      EXPECT_EQ(fp4_e2m1_encode(v), c) << int(c);
    }
  }
  EXPECT_EQ(fp4_e2m1_encode(-0.0), 0x8);
}

TEST(DType, Fp4E2m1RoundsToNearestEvenAndSaturates) {
  EXPECT_EQ(fp4_e2m1_encode(0.25), 0x0);   // halfway 0 / 0.5: even mantissa (0)
  EXPECT_EQ(fp4_e2m1_encode(0.26), 0x1);   // 0.5
  EXPECT_EQ(fp4_e2m1_encode(0.75), 0x2);   // halfway 0.5 / 1: 1 (even)
  EXPECT_EQ(fp4_e2m1_encode(1.25), 0x2);   // halfway 1 / 1.5: 1
  EXPECT_EQ(fp4_e2m1_encode(1.75), 0x4);   // halfway 1.5 / 2: 2
  EXPECT_EQ(fp4_e2m1_encode(2.5), 0x4);    // halfway 2 / 3: 2
  EXPECT_EQ(fp4_e2m1_encode(3.5), 0x6);    // halfway 3 / 4: 4
  EXPECT_EQ(fp4_e2m1_encode(5.0), 0x6);    // halfway 4 / 6: 4
  EXPECT_EQ(fp4_e2m1_encode(5.1), 0x7);    // 6
  EXPECT_EQ(fp4_e2m1_encode(100.0), 0x7);  // saturates
  EXPECT_EQ(fp4_e2m1_encode(-std::numeric_limits<double>::infinity()), 0xF);
  EXPECT_EQ(fp4_e2m1_encode(std::nan("")), 0x7);
}

TEST(DType, Fp4E2m1PacksTwoValuesPerByteLowNibbleFirst) {
  EXPECT_EQ(parse_dtype("float4_e2m1"), DType::kFloat4E2M1);
  EXPECT_EQ(dtype_size(DType::kFloat4E2M1), 1u);
  EXPECT_EQ(values_per_element(DType::kFloat4E2M1), 2u);
  EXPECT_EQ(values_per_element(DType::kFloat8E4M3), 1u);
  EXPECT_TRUE(is_floating(DType::kFloat4E2M1));
  uint8_t buf[2] = {0, 0};
  store_element(DType::kFloat4E2M1, buf, 0, 1.5);   // low nibble of byte 0: 0x3
  store_element(DType::kFloat4E2M1, buf, 1, -6.0);  // high nibble of byte 0: 0xF
  store_element(DType::kFloat4E2M1, buf, 3, 0.5);   // high nibble of byte 1: 0x1
  EXPECT_EQ(buf[0], 0xF3);
  EXPECT_EQ(buf[1], 0x10);
  EXPECT_EQ(load_element(DType::kFloat4E2M1, buf, 0), 1.5);
  EXPECT_EQ(load_element(DType::kFloat4E2M1, buf, 1), -6.0);
  EXPECT_EQ(load_element(DType::kFloat4E2M1, buf, 2), 0.0);
  EXPECT_EQ(load_element(DType::kFloat4E2M1, buf, 3), 0.5);
}

// fp8 by hand: e4m3fn 0x01 is the smallest subnormal 2^-9, 0x08 the smallest normal 2^-6, 0x7e
// 448; e5m2 0x01 is 2^-16, 0x7b 57344, 0x7c inf.
TEST(DType, Fp8HandValues) {
  auto load1 = [](DType t, uint8_t b) { return load_element(t, &b, 0); };
  EXPECT_EQ(load1(DType::kFloat8E4M3, 0x01), std::ldexp(1.0, -9));
  EXPECT_EQ(load1(DType::kFloat8E4M3, 0x08), std::ldexp(1.0, -6));
  EXPECT_EQ(load1(DType::kFloat8E4M3, 0x7e), 448.0);
  EXPECT_EQ(load1(DType::kFloat8E4M3, 0xc4), -3.0);  // sign, exp 8 (2^1), mantissa 4/8
  EXPECT_TRUE(std::isnan(load1(DType::kFloat8E4M3, 0x7f)));
  EXPECT_EQ(load1(DType::kFloat8E5M2, 0x01), std::ldexp(1.0, -16));
  EXPECT_EQ(load1(DType::kFloat8E5M2, 0x7b), 57344.0);
  EXPECT_TRUE(std::isinf(load1(DType::kFloat8E5M2, 0x7c)));
  EXPECT_EQ(bits_after_store(DType::kFloat8E4M3, 2.0), 0x40u);
  EXPECT_EQ(bits_after_store(DType::kFloat8E4M3, -1.75), 0xbeu);
  EXPECT_EQ(bits_after_store(DType::kFloat8E4M3, 1.0625), 0x38u);  // halfway 1 / 1.125: 1 (even)
  EXPECT_EQ(bits_after_store(DType::kFloat8E5M2, 1.125), 0x3cu);   // halfway 1 / 1.25: 1 (even)
}

}  // namespace kda
