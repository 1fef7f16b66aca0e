// The DSA top-k indexer check, as flashinfer-bench's DsaTopkIndexerEvaluator makes it
// (bench/evaluators/dsa_topk_indexer.py @ ecafa9c). The output is [batch, topk] int32 global
// token indices (page * page_size + slot), -1 (any negative value) padding. Per row:
//  1. every index >= 0 must be reachable — its page is in the row's block_table (the first
//     matching slot m) and m * page_size + slot < seq_lens[row] — and no index >= 0 repeats;
//     otherwise INCORRECT_NUMERICAL invalid_index;
//  2. each index is scored as the reference scores tokens: sum over heads of
//     relu(q[row, h] . k[token]) * weights[row, h], k dequantised from the packed fp8 cache
//     (task/inputs_fib.h), padding scoring -inf; the candidate's and the reference's scores are
//     sorted descending and compared element-wise (atol/rtol, -inf matching -inf), and the
//     fraction matched over the whole output must reach required_matched_ratio.
// Ties and order therefore do not matter, only that the selected tokens score as high.
// Poison is not "unwritten" here: 0xFFFFFFFF is -1, a legitimate padding value; an output left
// unwritten scores -inf everywhere and fails step 2 unless the reference pads the same rows.
#pragma once

#include <optional>
#include <vector>

#include "eval/compare.h"

namespace kda {

/// Needs inputs q_index_fp8 [B, H, D] (float8_e4m3fn), k_index_cache_fp8 [P, page_size, 1, D+4]
/// (1-byte type), weights [B, H] (float32), seq_lens [B] and block_table [B, M] (int32); a
/// definition that lacks them is an input error (kda::Error kInput), not the candidate's fault.
std::optional<Verdict> check_dsa_topk_indexer(const Definition& def, const Tolerance& tol,
                                              const std::vector<HostTensor>& inputs, const HostTensor& expected,
                                              const HostTensor& actual, Correctness& c);

}  // namespace kda
