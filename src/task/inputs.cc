#include "task/inputs.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/bulk_buffer.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/parallel.h"
#include "task/counter_rng.h"
#include "task/inputs_fib.h"
#include "task/safetensors.h"

namespace kda {
namespace {

uint64_t stream_seed(uint64_t seed, const std::string& uuid, const std::string& input, uint64_t draw) {
  Sha256 h;
  h.update(&seed, sizeof seed).field(uuid).field(input).update(&draw, sizeof draw);
  return std::stoull(h.hex().substr(0, 16), nullptr, 16);
}

struct Dist {
  bool given = false;  ///< kda.inputs names this input: its distribution wins over every default
  bool uniform = false;
  double low = 0, high = 1;
};

Dist dist_for(const Definition& d, const std::string& name) {
  Dist out;
  const Json& raw = d.raw;
  if (!raw.is_object() || !raw.contains("kda") || !raw["kda"].is_object()) return out;
  const Json& k = raw["kda"];
  if (!k.contains("inputs") || !k["inputs"].is_object() || !k["inputs"].contains(name)) return out;
  const Json& spec = k["inputs"][name];
  out.given = true;
  if (spec.is_object() && spec.value("dist", "") == "uniform") {
    out.uniform = true;
    out.low = spec.value("low", 0.0);
    out.high = spec.value("high", 1.0);
  }
  return out;
}

bool low_precision(DType t) {
  return t == DType::kFloat8E4M3 || t == DType::kFloat8E5M2 || t == DType::kFloat4E2M1;
}

// float -> bf16 bits, round to nearest even (one rounding: the sample is the float).
uint16_t bf16_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  if ((b & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;
  b += 0x7fffu + ((b >> 16) & 1u);
  return static_cast<uint16_t>(b >> 16);
}

// Element i of a random input, as a float (floating dtypes) or an integer (others): a pure
// function of (stream key, i), so that one element of a draw can be made without the others.
// The ranges are flashinfer-bench's _rand_tensor (flashinfer_bench/bench/utils.py @ ecafa9c):
// N(0,1) for fp32/fp16/bf16; N(0,1) clamped to [-2, 2] for fp8 and fp4; int8 in [-128, 128);
// int16/int32/int64 in [-1024, 1024); bool in {0, 1}. uint8 (which it does not generate) is
// uniform in [0, 255].
float random_float(uint64_t key, uint64_t i, DType t, const Dist& dist) {
  if (dist.uniform)
    return static_cast<float>(dist.low + (dist.high - dist.low) * ((counter_bits(key, i) >> 8) * 0x1.0p-24));
  const float v = normal_from_bits(counter_bits(key, i));
  return low_precision(t) ? std::clamp(v, -2.0f, 2.0f) : v;
}

double random_int(uint64_t key, uint64_t i, DType t, const Dist& dist) {
  const uint32_t r = counter_bits(key, i);
  if (t == DType::kBool) return static_cast<double>(r >> 31);
  if (t == DType::kUInt8) return static_cast<double>(r >> 24);
  if (dist.uniform) return std::floor(dist.low + (dist.high - dist.low) * ((r >> 8) * 0x1.0p-24));
  if (t == DType::kInt8) return static_cast<double>(static_cast<int32_t>(r >> 24) - 128);  // top 8 bits
  return static_cast<double>(static_cast<int32_t>(r >> 21) - 1024);                        // top 11 bits
}

void store_float(HostTensor& t, size_t i, float v) {
  if (t.dtype == DType::kFloat32) {
    std::memcpy(t.data.data() + i * 4, &v, 4);
  } else if (t.dtype == DType::kBFloat16) {
    uint16_t h = bf16_bits(v);
    std::memcpy(t.data.data() + i * 2, &h, 2);
  } else {
    store_element(t.dtype, t.data.data(), i, v);
  }
}

constexpr size_t kValueBlock = 4096;  // values drawn together (and the unit a thread fills)

// Values [begin, end) of t; begin is a multiple of kValueBlock.
void fill_random_range(HostTensor& t, uint64_t key, const Dist& dist, size_t begin, size_t end) {
  if (!is_floating(t.dtype)) {
    for (size_t i = begin; i < end; ++i) store_element(t.dtype, t.data.data(), i, random_int(key, i, t.dtype, dist));
    return;
  }
  // Samples are drawn as floats in blocks (vectorised for normals), then stored in the element type.
  float buf[kValueBlock];
  for (size_t base = begin; base < end; base += kValueBlock) {
    const size_t m = std::min(kValueBlock, end - base);
    if (dist.uniform) {
      for (size_t i = 0; i < m; ++i) buf[i] = random_float(key, base + i, t.dtype, dist);
    } else {
      fill_normal(buf, m, key, base);
      if (low_precision(t.dtype))
        for (size_t i = 0; i < m; ++i) buf[i] = std::clamp(buf[i], -2.0f, 2.0f);
    }
    if (t.dtype == DType::kFloat32) {
      std::memcpy(t.data.data() + base * 4, buf, m * 4);
    } else {
      for (size_t i = 0; i < m; ++i) store_float(t, base + i, buf[i]);
    }
  }
}

// Every value is a function of (key, its index) alone, so the tensor is filled over the host's
// cores in runs of whole 4096-value blocks (at least 64 a run): the same bytes as one thread
// makes, and no two threads share a byte (fp4 packs two values a byte; a block is 2048 bytes).
void fill_random(HostTensor& t, uint64_t key, const Dist& dist) {
  const size_t n = t.numel() * values_per_element(t.dtype);  // fp4: two values a byte
  const size_t blocks = (n + kValueBlock - 1) / kValueBlock;
  parallel_chunks(blocks, chunk_count(blocks, 64), [&](size_t, size_t b, size_t e) {
    fill_random_range(t, key, dist, b * kValueBlock, std::min(e * kValueBlock, n));
  });
}

}  // namespace

namespace {

// Shape for one tensor of a workload; refuses shapes whose byte size overflows or exceeds 1 TiB
// (a hostile or mistyped workload must not wrap numel() or exhaust memory silently).
std::vector<int64_t> checked_shape(const TensorSpec& s, DType t, const std::map<std::string, int64_t>& axes,
                                   const Workload& w) {
  std::vector<int64_t> shape = resolve_shape(s, axes);
  uint64_t bytes = dtype_size(t);
  const uint64_t kLimit = uint64_t{1} << 40;
  for (int64_t d : shape) {
    if (d != 0 && bytes > kLimit / static_cast<uint64_t>(d))
      fail(ErrorKind::kInput, "workload " + w.uuid + ": tensor '" + s.name + "' would exceed 1 TiB");
    bytes *= static_cast<uint64_t>(d);
  }
  return shape;
}

}  // namespace

std::vector<HostTensor> make_output_layouts(const Definition& d, const Workload& w) {
  auto axes = resolve_axes(d, w.axes, "workload " + w.uuid);
  std::vector<HostTensor> out;
  for (const TensorSpec& s : d.outputs) {
    HostTensor t;
    t.name = s.name;
    t.dtype = s.dtype;
    t.shape = checked_shape(s, s.dtype, axes, w);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<HostTensor> make_output_tensors(const Definition& d, const Workload& w) {
  std::vector<HostTensor> out = make_output_layouts(d, w);
  for (HostTensor& t : out) t.allocate();
  return out;
}

std::vector<HostTensor> generate_inputs(const Definition& d, const Workload& w, uint64_t seed, uint64_t draw,
                                        const std::filesystem::path& task_root) {
  auto axes = resolve_axes(d, w.axes, "workload " + w.uuid);
  std::vector<HostTensor> out;
  for (const TensorSpec& s : d.inputs) {
    HostTensor t;
    t.name = s.name;
    t.dtype = s.dtype;
    t.shape = checked_shape(s, s.dtype, axes, w);
    resize_bulk(t.data, t.nbytes());
    auto r = w.inputs.find(s.name);
    if (r != w.inputs.end() && r->second.kind == InputRecipe::Kind::kScalar) {
      for (size_t i = 0; i < t.numel(); ++i) store_element(t.dtype, t.data.data(), i, r->second.scalar);
    } else if (r != w.inputs.end() && r->second.kind == InputRecipe::Kind::kSafetensors) {
      auto file = task_root / r->second.path;
      bool found = false;
      for (HostTensor& f : read_safetensors(file)) {
        if (f.name != r->second.tensor_key) continue;
        if (f.dtype != t.dtype || f.shape != t.shape)
          fail(ErrorKind::kInput, file.string() + ": tensor '" + f.name + "' is " + describe(f) + ", the workload needs " + describe(t));
        t.data = std::move(f.data);
        found = true;
      }
      if (!found) fail(ErrorKind::kInput, file.string() + ": no tensor named '" + r->second.tensor_key + "'");
    } else {
      const uint64_t key = stream_seed(seed, w.uuid, s.name, draw);
      const Dist dist = dist_for(d, s.name);
      switch (dist.given ? FibInput::kElementwise : fib_input_kind(d, s, t)) {
        case FibInput::kElementwise: fill_random(t, key, dist); break;
        case FibInput::kSoftmaxRows:
          for (size_t r = 0; r < softmax_rows(t); ++r) fill_softmax_row(t, key, r);
          break;
        case FibInput::kDsaKCache:
          for (size_t k = 0; k < dsa_kcache_tokens(t); ++k) fill_dsa_kcache_token(t, key, k);
          break;
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

void perturb_inputs(const Definition& d, const Workload& w, uint64_t seed, uint64_t draw, uint64_t salt,
                    std::vector<HostTensor>& set) {
  for (size_t i = 0; i < set.size() && i < d.inputs.size(); ++i) {
    HostTensor& t = set[i];
    const std::string& name = d.inputs[i].name;
    auto r = w.inputs.find(name);
    const bool random = r == w.inputs.end() || r->second.kind == InputRecipe::Kind::kRandom;
    const size_t n = t.numel();
    if (!random || t.shape.empty() || n == 0 || t.data.size() != t.nbytes()) continue;
    const uint64_t key = stream_seed(seed, w.uuid, name, draw);
    const Dist dist = dist_for(d, name);
    const FibInput kind = dist.given ? FibInput::kElementwise : fib_input_kind(d, d.inputs[i], t);
    const size_t values = n * values_per_element(t.dtype);
    const size_t changes = std::min<size_t>(values, 1 + values / 4096);
    uint64_t x = salt ^ (i * 0x9e3779b97f4a7c15ull);
    for (size_t c = 0; c < changes; ++c) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      const size_t pos = static_cast<size_t>((x >> 17) % values);
      // Rows of probabilities and tokens of the packed cache are replaced whole: an element alone
      // would leave a row that does not sum to 1, or a token whose scale is another's.
      if (kind == FibInput::kSoftmaxRows) fill_softmax_row(t, key, pos / static_cast<size_t>(t.shape.back()));
      else if (kind == FibInput::kDsaKCache) fill_dsa_kcache_token(t, key, pos % dsa_kcache_tokens(t));
      else if (is_floating(t.dtype)) store_float(t, pos, random_float(key, pos, t.dtype, dist));
      else store_element(t.dtype, t.data.data(), pos, random_int(key, pos, t.dtype, dist));
    }
  }
}

}  // namespace kda
