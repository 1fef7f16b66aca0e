#include "task/dtype.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace kda {
namespace {

struct Info {
  DType t;
  const char* name;
  size_t size;
  DLDataType dl;
};

const Info kTypes[] = {
    {DType::kFloat32, "float32", 4, {kDLFloat, 32, 1}},
    {DType::kFloat16, "float16", 2, {kDLFloat, 16, 1}},
    {DType::kBFloat16, "bfloat16", 2, {kDLBfloat, 16, 1}},
    {DType::kFloat8E4M3, "float8_e4m3fn", 1, {kDLFloat, 8, 1}},  // DLPack 0.6 has no fp8 code
    {DType::kFloat8E5M2, "float8_e5m2", 1, {kDLFloat, 8, 1}},
    {DType::kInt8, "int8", 1, {kDLInt, 8, 1}},
    {DType::kInt16, "int16", 2, {kDLInt, 16, 1}},
    {DType::kInt32, "int32", 4, {kDLInt, 32, 1}},
    {DType::kInt64, "int64", 8, {kDLInt, 64, 1}},
    {DType::kUInt8, "uint8", 1, {kDLUInt, 8, 1}},
    {DType::kBool, "bool", 1, {kDLUInt, 8, 1}},
    // Two values a byte; DLPack 0.6 has no fp4 code, so the byte travels as uint8 and the
    // definition's dtype says how to read it.
    {DType::kFloat4E2M1, "float4_e2m1", 1, {kDLUInt, 8, 1}},
};

const Info& info(DType t) { return kTypes[static_cast<int>(t)]; }

float bits_to_float(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
// Generic decoder for small IEEE-like formats with `e` exponent and `m` mantissa bits.
double decode_minifloat(uint32_t bits, int e, int m, bool has_inf) {
  const uint32_t sign = (bits >> (e + m)) & 1, exp = (bits >> m) & ((1u << e) - 1), man = bits & ((1u << m) - 1);
  const int bias = (1 << (e - 1)) - 1;
  double v;
  if (exp == ((1u << e) - 1) && has_inf) {
    v = man ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  } else if (exp == 0) {
    v = std::ldexp(static_cast<double>(man), 1 - bias - m);
  } else {
    v = std::ldexp(static_cast<double>(man | (1u << m)), static_cast<int>(exp) - bias - m);
  }
  return sign ? -v : v;
}

// Round-to-nearest-even encoder for small formats. Formats with infinities overflow to inf from
// max_finite + half an ulp (the tie goes to inf, max_finite's mantissa being odd); e4m3fn
// saturates to +-max_finite (also for +-inf), as CUDA's satfinite conversion does.
uint32_t encode_minifloat(double v, int e, int m, bool has_inf, uint32_t nan_bits, double max_finite) {
  if (std::isnan(v)) return nan_bits;
  const uint32_t sign_bit = (std::signbit(v) ? 1u : 0u) << (e + m);
  const int bias = (1 << (e - 1)) - 1;
  double a = std::fabs(v);
  if (a > max_finite) {
    if (has_inf && a >= max_finite + std::ldexp(1.0, bias - m - 1)) return sign_bit | (((1u << e) - 1) << m);
    a = max_finite;  // rounds down to max_finite (or saturates)
  }
  const int min_exp = 1 - bias;
  int exp2;
  std::frexp(a, &exp2);  // a = f * 2^exp2, f in [0.5, 1)
  int exp = std::max(exp2 - 1, min_exp);    // below min_exp: subnormal range
  double r = std::nearbyint(std::ldexp(a, m - exp));  // exact scaling; FE_TONEAREST ties to even
  uint32_t man = static_cast<uint32_t>(r);
  if (man >= (2u << m)) {  // rounding carried into the next binade
    man >>= 1;
    ++exp;
  }
  uint32_t biased = (man >> m) ? static_cast<uint32_t>(exp + bias) : 0;
  uint32_t out = sign_bit | (biased << m) | (man & ((1u << m) - 1));
  if (!has_inf && std::fabs(decode_minifloat(out, e, m, has_inf)) > max_finite)
    return sign_bit | encode_minifloat(max_finite, e, m, has_inf, nan_bits, max_finite);
  return out;
}

// bf16 from double in one rounding step (double -> float -> bf16 would round twice).
uint16_t double_to_bf16(double v) {
  if (std::isnan(v)) return 0x7fc0;
  const double max_finite = std::ldexp(255.0, 120);  // (2 - 2^-7) * 2^127
  return static_cast<uint16_t>(encode_minifloat(v, 8, 7, true, 0x7fc0, max_finite));
}

template <typename T>
T clamp_round(double v) {
  if (std::isnan(v)) return 0;
  double r = std::nearbyint(v);
  if (r < static_cast<double>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  if (r > static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(r);
}

template <typename T>
T read(const void* data, size_t i) {
  T v;
  std::memcpy(&v, static_cast<const uint8_t*>(data) + i * sizeof(T), sizeof(T));
  return v;
}

template <typename T>
void write(void* data, size_t i, T v) {
  std::memcpy(static_cast<uint8_t*>(data) + i * sizeof(T), &v, sizeof(T));
}

}  // namespace

std::optional<DType> parse_dtype(std::string_view name) {
  for (const Info& i : kTypes)
    if (name == i.name) return i.t;
  return std::nullopt;
}

const char* dtype_name(DType t) { return info(t).name; }
size_t dtype_size(DType t) { return info(t).size; }
size_t values_per_element(DType t) { return t == DType::kFloat4E2M1 ? 2 : 1; }
bool is_floating(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kBFloat16 || t == DType::kFloat8E4M3 ||
         t == DType::kFloat8E5M2 || t == DType::kFloat4E2M1;
}

// e2m1: bias 1, no inf, no NaN; max 6 = 1.5 * 2^2. encode_minifloat maps NaN to the bits given
// (0x7, +6: what a saturating conversion gives) and saturates larger magnitudes to 6.
double fp4_e2m1_decode(uint8_t nibble) { return decode_minifloat(nibble & 0xFu, 2, 1, false); }
uint8_t fp4_e2m1_encode(double v) { return static_cast<uint8_t>(encode_minifloat(v, 2, 1, false, 0x7, 6.0)); }
DLDataType to_dlpack(DType t) { return info(t).dl; }

double load_element(DType t, const void* data, size_t i) {
  switch (t) {
    case DType::kFloat32: return read<float>(data, i);
    case DType::kFloat16: return decode_minifloat(read<uint16_t>(data, i), 5, 10, true);
    case DType::kBFloat16: return bits_to_float(static_cast<uint32_t>(read<uint16_t>(data, i)) << 16);
    case DType::kFloat8E4M3: {
      uint8_t b = read<uint8_t>(data, i);
      if ((b & 0x7f) == 0x7f) return std::numeric_limits<double>::quiet_NaN();
      return decode_minifloat(b, 4, 3, false);
    }
    case DType::kFloat8E5M2: return decode_minifloat(read<uint8_t>(data, i), 5, 2, true);
    case DType::kInt8: return read<int8_t>(data, i);
    case DType::kInt16: return read<int16_t>(data, i);
    case DType::kInt32: return read<int32_t>(data, i);
    case DType::kInt64: return static_cast<double>(read<int64_t>(data, i));
    case DType::kUInt8: return read<uint8_t>(data, i);
    case DType::kBool: return read<uint8_t>(data, i) ? 1.0 : 0.0;
    case DType::kFloat4E2M1: {
      const uint8_t b = read<uint8_t>(data, i / 2);
      return fp4_e2m1_decode(i % 2 ? static_cast<uint8_t>(b >> 4) : b);
    }
  }
  return 0;
}

void store_element(DType t, void* data, size_t i, double v) {
  switch (t) {
    case DType::kFloat32: write<float>(data, i, static_cast<float>(v)); return;
    case DType::kFloat16:
      write<uint16_t>(data, i, static_cast<uint16_t>(encode_minifloat(v, 5, 10, true, 0x7e00, 65504.0)));
      return;
    case DType::kBFloat16: write<uint16_t>(data, i, double_to_bf16(v)); return;
    case DType::kFloat8E4M3:
      write<uint8_t>(data, i, static_cast<uint8_t>(encode_minifloat(v, 4, 3, false, 0x7f, 448.0)));
      return;
    case DType::kFloat8E5M2:
      write<uint8_t>(data, i, static_cast<uint8_t>(encode_minifloat(v, 5, 2, true, 0x7e, 57344.0)));
      return;
    case DType::kInt8: write<int8_t>(data, i, clamp_round<int8_t>(v)); return;
    case DType::kInt16: write<int16_t>(data, i, clamp_round<int16_t>(v)); return;
    case DType::kInt32: write<int32_t>(data, i, clamp_round<int32_t>(v)); return;
    case DType::kInt64: write<int64_t>(data, i, clamp_round<int64_t>(v)); return;
    case DType::kUInt8: write<uint8_t>(data, i, clamp_round<uint8_t>(v)); return;
    case DType::kBool: write<uint8_t>(data, i, v != 0 ? 1 : 0); return;
    case DType::kFloat4E2M1: {
      const uint8_t b = read<uint8_t>(data, i / 2), n = fp4_e2m1_encode(v);
      write<uint8_t>(data, i / 2, i % 2 ? static_cast<uint8_t>((b & 0x0f) | (n << 4)) : static_cast<uint8_t>((b & 0xf0) | n));
      return;
    }
  }
}

}  // namespace kda
