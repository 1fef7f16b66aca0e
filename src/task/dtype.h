// Element types of task tensors: names as flashinfer-bench writes them, sizes, DLPack codes, and
// conversion to/from double for comparison and input generation (round-to-nearest-even).
// float4_e2m1 is packed two values to a byte, as torch's float4_e2m1fn_x2 (which flashinfer-bench
// maps the name to): a shape counts bytes, and value 2i is the low nibble of byte i, 2i+1 the high.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <dlpack/dlpack.h>

namespace kda {

enum class DType {
  kFloat32, kFloat16, kBFloat16, kFloat8E4M3, kFloat8E5M2,
  kInt8, kInt16, kInt32, kInt64, kUInt8, kBool,
  kFloat4E2M1,  ///< appended: dtype.cc's table is indexed by this enum
};

/// "float32", "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2", "float4_e2m1", "int8",
/// "int16", "int32", "int64", "uint8", "bool"; nullopt for anything else.
std::optional<DType> parse_dtype(std::string_view name);
const char* dtype_name(DType t);
size_t dtype_size(DType t);  ///< bytes per element of a shape (float4_e2m1: 1, two values)
/// Values per element of a shape: 2 for float4_e2m1, 1 for every other type.
size_t values_per_element(DType t);
bool is_floating(DType t);
DLDataType to_dlpack(DType t);

/// Value i of a buffer of type t, as double (bool: 0/1; fp4/fp8/fp16/bf16 decoded exactly). For
/// float4_e2m1, i counts values (nibbles), so a tensor holds numel() * 2 of them.
double load_element(DType t, const void* data, size_t i);
/// Stores v into value i (float types round to nearest even, saturating fp8 e4m3fn to ±448 and
/// fp4 e2m1 to ±6, mapping NaN to the format's NaN (fp4 has none: +6); integers round then clamp
/// to the type's range). For float4_e2m1 only nibble i of its byte changes.
void store_element(DType t, void* data, size_t i, double v);

/// One float4_e2m1 value from the low 4 bits of `nibble` (0, ±0.5, ±1, ±1.5, ±2, ±3, ±4, ±6).
double fp4_e2m1_decode(uint8_t nibble);
/// The nearest float4_e2m1 (ties to even), saturating to ±6; NaN gives +6 (the format has no NaN).
uint8_t fp4_e2m1_encode(double v);

}  // namespace kda
