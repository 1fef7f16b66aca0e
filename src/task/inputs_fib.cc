#include "task/inputs_fib.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "task/counter_rng.h"

namespace kda {

FibInput fib_input_kind(const Definition& d, const TensorSpec& s, const HostTensor& t) {
  // bench/utils.py gen_inputs: `if is_sampling_operation(definition) and name == "probs"`.
  if (d.op_type == "sampling" && s.name == "probs" && !t.shape.empty() && is_floating(t.dtype) &&
      values_per_element(t.dtype) == 1)
    return FibInput::kSoftmaxRows;
  // dsa_topk_indexer.py build_baseline: only when the workload draws the cache at random.
  if (d.name.rfind("dsa_topk_indexer", 0) == 0 && s.name == "k_index_cache_fp8" && t.shape.size() == 4 &&
      t.shape[2] == 1 && t.shape[3] > 4 && dtype_size(t.dtype) == 1)
    return FibInput::kDsaKCache;
  return FibInput::kElementwise;
}

size_t softmax_rows(const HostTensor& t) {
  const size_t v = t.shape.empty() ? 1 : static_cast<size_t>(t.shape.back());
  return v ? t.numel() / v : 0;
}

void fill_softmax_row(HostTensor& t, uint64_t key, size_t row) {
  const size_t v = static_cast<size_t>(t.shape.back());
  std::vector<float> x(v);
  fill_normal(x.data(), v, key, row * v);
  const double top = *std::max_element(x.begin(), x.end());
  double sum = 0;
  std::vector<double> e(v);
  for (size_t j = 0; j < v; ++j) sum += e[j] = std::exp(static_cast<double>(x[j]) - top);
  for (size_t j = 0; j < v; ++j) store_element(t.dtype, t.data.data(), row * v + j, e[j] / sum);
}

size_t dsa_kcache_tokens(const HostTensor& t) { return static_cast<size_t>(t.shape[0] * t.shape[1]); }

void fill_dsa_kcache_token(HostTensor& t, uint64_t key, size_t token) {
  const size_t page_size = static_cast<size_t>(t.shape[1]), dim = static_cast<size_t>(t.shape[3]) - 4;
  const size_t page = token / page_size, slot = token % page_size;
  std::vector<float> x(dim);
  fill_normal(x.data(), dim, key, token * dim);
  float amax = 0;
  for (float& v : x) {
    uint8_t b[2];
    store_element(DType::kBFloat16, b, 0, v);  // the cache is drawn in bf16
    v = static_cast<float>(load_element(DType::kBFloat16, b, 0));
    amax = std::max(amax, std::fabs(v));
  }
  // float32 throughout, as the tensors there are: scale = clamp(amax, 1e-4) / 448, x * (1 / scale).
  const float scale = std::max(amax, 1e-4f) / 448.0f, inv = 1.0f / scale;
  uint8_t* base = t.data.data() + page * page_size * (dim + 4);
  for (size_t j = 0; j < dim; ++j) store_element(DType::kFloat8E4M3, base + slot * dim, j, x[j] * inv);
  std::memcpy(base + page_size * dim + slot * 4, &scale, 4);
}

}  // namespace kda
