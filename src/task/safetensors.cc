#include "task/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>

#include "core/error.h"
#include "core/fs.h"
#include "core/json_io.h"
#include "task/json_guard.h"

namespace kda {
namespace {

struct Code {
  const char* code;
  DType t;
};
const Code kCodes[] = {{"F32", DType::kFloat32}, {"F16", DType::kFloat16}, {"BF16", DType::kBFloat16},
                       {"F8_E4M3", DType::kFloat8E4M3}, {"F8_E5M2", DType::kFloat8E5M2}, {"I8", DType::kInt8},
                       {"I16", DType::kInt16}, {"I32", DType::kInt32}, {"I64", DType::kInt64},
                       {"U8", DType::kUInt8}, {"BOOL", DType::kBool}};

[[noreturn]] void bad(const std::string& origin, const std::string& why) {
  fail(ErrorKind::kInput, origin + ": not a valid safetensors file: " + why);
}

}  // namespace

const char* safetensors_dtype(DType t) {
  for (const Code& c : kCodes)
    if (c.t == t) return c.code;
  return "?";
}

static std::vector<HostTensor> parse_unguarded(std::string_view bytes, const std::string& origin) {
  if (bytes.size() < 8) bad(origin, "shorter than its 8-byte header length");
  uint64_t hlen = 0;
  for (int i = 0; i < 8; ++i) hlen |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  if (hlen > bytes.size() - 8) bad(origin, "header length " + std::to_string(hlen) + " exceeds the file size");
  if (hlen > (100u << 20)) bad(origin, "header larger than 100 MB");
  Json header;
  try {
    header = Json::parse(bytes.substr(8, hlen));
  } catch (const std::exception&) {
    bad(origin, "header is not valid JSON");
  }
  if (!header.is_object()) bad(origin, "header is not a JSON object");
  const uint64_t data_size = bytes.size() - 8 - hlen;
  const uint8_t* data = reinterpret_cast<const uint8_t*>(bytes.data()) + 8 + hlen;
  std::vector<HostTensor> out;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets"))
      bad(origin, "tensor '" + name + "' lacks dtype, shape or data_offsets");
    const Json& dt = info["dtype"];
    if (!dt.is_string()) bad(origin, "tensor '" + name + "' dtype is not a string");
    HostTensor t;
    t.name = name;
    bool known = false;
    for (const Code& c : kCodes)
      if (dt == c.code) {
        t.dtype = c.t;
        known = true;
      }
    if (!known) bad(origin, "tensor '" + name + "' has unsupported dtype " + dt.dump());
    const Json& shape = info["shape"];
    if (!shape.is_array()) bad(origin, "tensor '" + name + "' shape is not an array");
    uint64_t numel = 1;
    for (const Json& d : shape) {
      if (!d.is_number_unsigned() && !(d.is_number_integer() && d.get<int64_t>() >= 0))
        bad(origin, "tensor '" + name + "' has a negative or non-integer dimension");
      uint64_t v = d.get<uint64_t>();
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) bad(origin, "tensor '" + name + "' has a dimension out of range");
      if (v != 0 && numel > std::numeric_limits<uint64_t>::max() / v) bad(origin, "tensor '" + name + "' is too large");
      numel *= v;
      t.shape.push_back(static_cast<int64_t>(v));
    }
    const Json& off = info["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      bad(origin, "tensor '" + name + "' data_offsets must be two non-negative integers");
    uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    if (begin > end || end > data_size) bad(origin, "tensor '" + name + "' data_offsets fall outside the data");
    if (numel > std::numeric_limits<uint64_t>::max() / dtype_size(t.dtype) || end - begin != numel * dtype_size(t.dtype))
      bad(origin, "tensor '" + name + "' byte size does not match its dtype and shape");
    ranges.push_back({begin, end});
    t.data.assign(data + begin, data + end);
    out.push_back(std::move(t));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second) bad(origin, "tensor data regions overlap");
  return out;
}

std::vector<HostTensor> parse_safetensors(std::string_view bytes, const std::string& origin) {
  return guard_json(origin, [&] { return parse_unguarded(bytes, origin); });
}

std::vector<HostTensor> read_safetensors(const std::filesystem::path& path) {
  // One sized read: core's read_file grows a stream buffer, which costs several copies of a
  // large blob.
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in || !std::filesystem::is_regular_file(path)) return parse_safetensors(read_file(path), path.string());  // read_file names the problem
  const std::streamoff size = in.tellg();
  if (size < 0) fail(ErrorKind::kInput, path.string() + ": cannot determine the file size");
  std::string bytes(static_cast<size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), size)) fail(ErrorKind::kInput, path.string() + ": read failed");
  return parse_safetensors(bytes, path.string());
}

std::string serialize_safetensors(const std::vector<HostTensor>& tensors, const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) {
    Json m = Json::object();
    for (auto& [k, v] : metadata) m[k] = v;
    header["__metadata__"] = m;
  }
  uint64_t offset = 0;
  for (const HostTensor& t : tensors) {
    header[t.name] = {{"dtype", safetensors_dtype(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string h = header.dump();
  while ((8 + h.size()) % 8) h.push_back(' ');  // keep tensor data 8-byte aligned
  std::string out(8, '\0');
  uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  out += h;
  for (const HostTensor& t : tensors) out.append(reinterpret_cast<const char*>(t.data.data()), t.data.size());
  return out;
}

void write_safetensors(const std::filesystem::path& path, const std::vector<HostTensor>& tensors) {
  write_file_atomic(path, serialize_safetensors(tensors));
}

}  // namespace kda
