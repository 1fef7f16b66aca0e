#include "task/inputs.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/hash.h"
#include "task/safetensors.h"

namespace kda {
namespace {

// xoshiro256** seeded through splitmix64: fast, good quality, and fully determined by the seed.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& s : s_) s = splitmix(seed);
  }
  uint64_t next() {
    uint64_t r = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  double uniform() { return (next() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t splitmix(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
};

uint64_t stream_seed(uint64_t seed, const std::string& uuid, const std::string& input, uint64_t draw) {
  Sha256 h;
  h.update(&seed, sizeof seed).field(uuid).field(input).update(&draw, sizeof draw);
  return std::stoull(h.hex().substr(0, 16), nullptr, 16);
}

struct Dist {
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
  if (spec.is_object() && spec.value("dist", "") == "uniform") {
    out.uniform = true;
    out.low = spec.value("low", 0.0);
    out.high = spec.value("high", 1.0);
  }
  return out;
}

// Marsaglia's polar method in float: two normals per accepted pair (acceptance pi/4), no trig.
// 24-bit uniforms bound |x| by about 8.2, far beyond what a test input needs.
size_t fill_normals(float* out, size_t n, Rng& rng) {
  size_t i = 0;
  while (i + 1 < n) {
    uint64_t r = rng.next();
    float u = static_cast<float>(static_cast<int32_t>(r >> 32) >> 8) * 0x1.0p-23f;  // [-1, 1)
    float v = static_cast<float>(static_cast<int32_t>(r) >> 8) * 0x1.0p-23f;
    float q = u * u + v * v;
    if (q >= 1.0f || q == 0.0f) continue;
    float m = std::sqrt(-2.0f * std::log(q) / q);
    out[i++] = u * m;
    out[i++] = v * m;
  }
  if (i < n) {  // odd tail
    float tail[2];
    fill_normals(tail, 2, rng);
    out[i++] = tail[0];
  }
  return i;
}

// float -> bf16 bits, round to nearest even (one rounding: the sample is the float).
uint16_t bf16_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  if ((b & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;
  b += 0x7fffu + ((b >> 16) & 1u);
  return static_cast<uint16_t>(b >> 16);
}

void fill_random(HostTensor& t, Rng& rng, const Dist& dist) {
  const size_t n = t.numel();
  if (is_floating(t.dtype)) {
    // Samples are drawn as floats in chunks, then stored in the element type.
    constexpr size_t kChunk = 4096;
    float buf[kChunk];
    for (size_t base = 0; base < n; base += kChunk) {
      const size_t m = std::min(kChunk, n - base);
      if (dist.uniform) {
        for (size_t i = 0; i < m; ++i)
          buf[i] = static_cast<float>(dist.low + (dist.high - dist.low) * rng.uniform());
      } else {
        fill_normals(buf, m, rng);
      }
      if (t.dtype == DType::kFloat32) {
        std::memcpy(t.data.data() + base * 4, buf, m * 4);
      } else if (t.dtype == DType::kBFloat16) {
        for (size_t i = 0; i < m; ++i) {
          uint16_t h = bf16_bits(buf[i]);
          std::memcpy(t.data.data() + (base + i) * 2, &h, 2);
        }
      } else {
        for (size_t i = 0; i < m; ++i) store_element(t.dtype, t.data.data(), base + i, buf[i]);
      }
    }
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    double v;
    if (t.dtype == DType::kBool) {
      v = static_cast<double>(rng.next() & 1);
    } else if (t.dtype == DType::kUInt8) {
      v = static_cast<double>(rng.next() & 0xff);
    } else if (dist.uniform) {
      v = std::floor(dist.low + (dist.high - dist.low) * rng.uniform());
    } else {
      v = static_cast<double>(static_cast<int64_t>(rng.next() >> 60) - 8);  // top 4 bits: [-8, 8)
    }
    store_element(t.dtype, t.data.data(), i, v);
  }
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

std::vector<HostTensor> make_output_tensors(const Definition& d, const Workload& w) {
  auto axes = resolve_axes(d, w.axes, "workload " + w.uuid);
  std::vector<HostTensor> out;
  for (const TensorSpec& s : d.outputs) {
    HostTensor t;
    t.name = s.name;
    t.dtype = s.dtype;
    t.shape = checked_shape(s, s.dtype, axes, w);
    t.allocate();
    out.push_back(std::move(t));
  }
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
    t.data.resize(t.nbytes());
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
      Rng rng(stream_seed(seed, w.uuid, s.name, draw));
      fill_random(t, rng, dist_for(d, s.name));
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace kda
