// Element types of task tensors: names as flashinfer-bench writes them, sizes, DLPack codes, and
// conversion to/from double for comparison and input generation (round-to-nearest-even).
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
};

/// "float32", "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2", "int8", "int16", "int32",
/// "int64", "uint8", "bool"; nullopt for anything else.
std::optional<DType> parse_dtype(std::string_view name);
const char* dtype_name(DType t);
size_t dtype_size(DType t);
bool is_floating(DType t);
DLDataType to_dlpack(DType t);

/// Element i of a buffer of type t, as double (bool: 0/1; fp8/fp16/bf16 decoded exactly).
double load_element(DType t, const void* data, size_t i);
/// Stores v into element i (float types round to nearest even, saturating fp8 e4m3fn to ±448 and
/// mapping NaN to its NaN; integers round then clamp to the type's range).
void store_element(DType t, void* data, size_t i, double v);

}  // namespace kda
