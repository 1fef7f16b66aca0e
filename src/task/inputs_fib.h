// The two random inputs that flashinfer-bench does not draw element by element, made the way it
// makes them (facts from flashinfer-bench @ ecafa9c), from kda's counter-based streams:
//  - `probs` of an op_type "sampling" definition: softmax over the last axis of N(0,1) samples,
//    so that each row sums to 1 (bench/utils.py, gen_inputs);
//  - `k_index_cache_fp8` of a "dsa_topk_indexer*" definition: per token, `head_dim` bf16 N(0,1)
//    samples quantised to fp8 e4m3fn with the scale max|x| / 448 (max|x| at least 1e-4), packed
//    per page as deep_gemm lays it out: the page's fp8 bytes first ([page_size, head_dim]), then
//    its page_size float32 scales (bench/evaluators/dsa_topk_indexer.py, _pack_fp8_k_cache).
// Row r (token t) is a pure function of the stream and r (t), so a perturbed input set can
// replace a few whole rows (tokens) and stay well formed. Used by inputs.cc; tested there.
#pragma once

#include <cstddef>
#include <cstdint>

#include "task/definition.h"
#include "task/tensor.h"

namespace kda {

enum class FibInput {
  kElementwise,  ///< drawn element by element (inputs.cc)
  kSoftmaxRows,  ///< sampling probabilities
  kDsaKCache,    ///< the DSA indexer's packed fp8 key cache
};

/// Which recipe flashinfer-bench uses for random input `s` of `d` (by op_type, name and shape).
FibInput fib_input_kind(const Definition& d, const TensorSpec& s, const HostTensor& t);

/// Rows of the last axis (numel / last dim; 1 for a vector).
size_t softmax_rows(const HostTensor& t);
/// Fills row `row` of `t` with the softmax of that row's N(0,1) samples of stream `key`.
void fill_softmax_row(HostTensor& t, uint64_t key, size_t row);

/// Tokens of a [num_pages, page_size, 1, head_dim + 4] key cache.
size_t dsa_kcache_tokens(const HostTensor& t);
/// Writes token `token` (= page * page_size + slot): its fp8 bytes and its scale.
void fill_dsa_kcache_token(HostTensor& t, uint64_t key, size_t token);

}  // namespace kda
