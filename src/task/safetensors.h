// safetensors reader/writer (8-byte little-endian header length, JSON header, raw data).
// Every offset, dtype and shape is checked against the file size; malformed files are rejected
// with kda::Error(kInput) naming the file and the problem. Never crashes on hostile input.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "task/tensor.h"

namespace kda {

/// safetensors dtype codes: "F32","F16","BF16","F8_E4M3","F8_E5M2","I8","I16","I32","I64","U8","BOOL".
const char* safetensors_dtype(DType t);

std::vector<HostTensor> parse_safetensors(std::string_view bytes, const std::string& origin);
std::vector<HostTensor> read_safetensors(const std::filesystem::path& path);
std::string serialize_safetensors(const std::vector<HostTensor>& tensors,
                                  const std::map<std::string, std::string>& metadata = {});
void write_safetensors(const std::filesystem::path& path, const std::vector<HostTensor>& tensors);

}  // namespace kda
