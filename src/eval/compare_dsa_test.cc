#include "eval/compare_dsa.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "core/error.h"
#include "core/json_io.h"
#include "task/inputs.h"
#include "task/workload.h"

namespace kda {
namespace {

// A DSA indexer small enough to score by hand: 3 pages of 4 tokens, head_dim 4, 2 heads, q = 1,
// weights 1, scale 1 and token g's key all (g + 1) / 4 except tokens 0 and 1 (both 1/2), so that
// token g scores 2 * 4 * key = 2 (g + 1) (tokens 0 and 1: 4, a tie).
const char* kDef = R"({"name": "dsa_topk_indexer_fp8_test", "op_type": "dsa_paged",
  "axes": {"B": {"type": "var"}, "H": {"type": "const", "value": 2}, "D": {"type": "const", "value": 4},
           "P": {"type": "const", "value": 3}, "PS": {"type": "const", "value": 4}, "one": {"type": "const", "value": 1},
           "D4": {"type": "const", "value": 8}, "M": {"type": "const", "value": 2}, "K": {"type": "const", "value": 4}},
  "inputs": {"q_index_fp8": {"shape": ["B", "H", "D"], "dtype": "float8_e4m3fn"},
             "k_index_cache_fp8": {"shape": ["P", "PS", "one", "D4"], "dtype": "int8"},
             "weights": {"shape": ["B", "H"], "dtype": "float32"},
             "seq_lens": {"shape": ["B"], "dtype": "int32"},
             "block_table": {"shape": ["B", "M"], "dtype": "int32"}},
  "outputs": {"topk_indices": {"shape": ["B", "K"], "dtype": "int32"}}})";

HostTensor tensor(const char* name, DType t, std::vector<int64_t> shape, const std::vector<double>& v) {
  HostTensor h;
  h.name = name;
  h.dtype = t;
  h.shape = std::move(shape);
  h.allocate();
  for (size_t i = 0; i < v.size(); ++i) store_element(t, h.data.data(), i, v[i]);
  return h;
}

class DsaIndexer : public ::testing::Test {
 protected:
  Definition d = parse_definition(parse_json(kDef, "dsa"), "dsa");
  Tolerance tol;  // flashinfer-bench's defaults: 1e-2, 1e-2, ratio 1
  std::vector<HostTensor> inputs;

  // One row: its block table and sequence length.
  void SetUp() override { rows({{2, 0}}, {6}); }
  void rows(const std::vector<std::vector<double>>& table, const std::vector<double>& lens) {
    const int64_t b = static_cast<int64_t>(lens.size());
    HostTensor kc = tensor("k_index_cache_fp8", DType::kInt8, {3, 4, 1, 8}, {});
    for (int g = 0; g < 12; ++g) {
      uint8_t* page = kc.data.data() + (g / 4) * 4 * 8;
      for (int j = 0; j < 4; ++j) store_element(DType::kFloat8E4M3, page + (g % 4) * 4, j, g < 2 ? 0.5 : (g + 1) / 4.0);
      const float one = 1.0f;
      std::memcpy(page + 4 * 4 + (g % 4) * 4, &one, 4);
    }
    std::vector<double> flat;
    for (auto& r : table) flat.insert(flat.end(), r.begin(), r.end());
    inputs = {tensor("q_index_fp8", DType::kFloat8E4M3, {b, 2, 4}, std::vector<double>(static_cast<size_t>(b * 8), 1.0)), kc,
              tensor("weights", DType::kFloat32, {b, 2}, std::vector<double>(static_cast<size_t>(b * 2), 1.0)),
              tensor("seq_lens", DType::kInt32, {b}, lens), tensor("block_table", DType::kInt32, {b, 2}, flat)};
  }
  std::optional<Verdict> check(const std::vector<double>& want, const std::vector<double>& got) {
    const int64_t b = static_cast<int64_t>(want.size()) / 4;
    Correctness c;
    return check_dsa_topk_indexer(d, tol, inputs, tensor("topk_indices", DType::kInt32, {b, 4}, want),
                                  tensor("topk_indices", DType::kInt32, {b, 4}, got), c);
  }
};

// Row 0 reaches pages 2 then 0 for 6 tokens: globals 8-11 (scores 18-24) and 0, 1 (4 each).
TEST_F(DsaIndexer, SameSetInAnyOrderPasses) {
  EXPECT_FALSE(check({11, 10, 9, 8}, {8, 9, 10, 11}));
}

TEST_F(DsaIndexer, OneLowerScoringTokenFails) {
  auto v = check({11, 10, 9, 8}, {11, 10, 9, 0});  // reachable, distinct, but scores 4 instead of 18
  ASSERT_TRUE(v);
  EXPECT_EQ(v->status, Status::kIncorrectNumerical);
  EXPECT_EQ(v->reason_code, "numerical_mismatch");
  EXPECT_EQ(v->correctness.elements_outside_tolerance, 1);  // sorted: 24 22 20 4 against 24 22 20 18
}

TEST_F(DsaIndexer, UnreachableOrRepeatedIndicesAreInvalid) {
  EXPECT_EQ(check({11, 10, 9, 8}, {11, 10, 9, 4})->reason_code, "invalid_index");  // page 1 not in the table
  EXPECT_EQ(check({11, 10, 9, 8}, {11, 10, 9, 2})->reason_code, "invalid_index");  // position 6 >= seq_len 6
  EXPECT_EQ(check({11, 10, 9, 8}, {11, 11, 9, 8})->reason_code, "invalid_index");  // repeated
  EXPECT_EQ(check({11, 10, 9, 8}, {11, 10, 9, 1000})->reason_code, "invalid_index");
}

TEST_F(DsaIndexer, TiesMayBeBrokenEitherWay) {
  rows({{0, 1}}, {5});  // globals 0-3 (scores 4, 4, 6, 8) and 4 (10): the 4th place is a tie
  EXPECT_FALSE(check({4, 3, 2, 0}, {1, 2, 3, 4}));
  EXPECT_FALSE(check({4, 3, 2, 0}, {0, 2, 3, 4}));
  EXPECT_TRUE(check({4, 3, 2, 0}, {0, 1, 3, 4}));  // 2 (score 6) left out for a 4
}

TEST_F(DsaIndexer, PaddingMatchesPaddingAndNothingElse) {
  rows({{1, 2}, {2, 0}}, {2, 6});  // row 0: globals 4, 5 then padding
  EXPECT_FALSE(check({5, 4, -1, -1, 11, 10, 9, 8}, {4, 5, -1, -1, 8, 9, 10, 11}));
  EXPECT_FALSE(check({5, 4, -1, -1, 11, 10, 9, 8}, {-1, 4, -5, 5, 8, 9, 10, 11}));  // any negative is padding
  auto v = check({5, 4, -1, -1, 11, 10, 9, 8}, {5, -1, -1, -1, 8, 9, 10, 11});  // one token short
  ASSERT_TRUE(v);
  EXPECT_EQ(v->reason_code, "numerical_mismatch");
  // Unwritten output is all -1 (poison): padding everywhere, which fails wherever the reference
  // selects tokens.
  EXPECT_TRUE(check({5, 4, -1, -1, 11, 10, 9, 8}, std::vector<double>(8, -1)));
}

TEST_F(DsaIndexer, MatchedRatioBelowOneToleratesAFewPlaces) {
  tol.required_matched_ratio = 0.75;
  EXPECT_FALSE(check({11, 10, 9, 8}, {11, 10, 9, 1}));  // 3 of 4 sorted scores match
  EXPECT_TRUE(check({11, 10, 9, 8}, {11, 10, 1, 0}));   // 2 of 4 do not
}

TEST_F(DsaIndexer, ADefinitionWithoutTheInputsIsTheDefinitionsFault) {
  inputs.pop_back();
  EXPECT_THROW(check({11, 10, 9, 8}, {11, 10, 9, 8}), Error);
}

// At the real definition's sizes (64 heads of 128, pages of 64, top-2048) with inputs drawn as
// flashinfer-bench draws them (the packed fp8 cache of inputs_fib.h): the top-k found by scoring
// every token of the sequence here, written from the reference's own description of the layout
// (per page: the fp8 bytes of its tokens, then their float32 scales), passes in any order, and
// swapping its lowest token for a much lower one (rank 2900) fails. (The next best, rank 2049, may
// score within the tolerance of the 2048th, which is then a legitimate tie.)
TEST(DsaIndexerReal, BruteForceTopKPassesAndAMuchWorseTokenFails) {
  const char* def = R"({"name": "dsa_topk_indexer_fp8_h64_d128_topk2048_ps64", "op_type": "dsa_paged",
    "axes": {"batch_size": {"type": "var"}, "num_index_heads": {"type": "const", "value": 64},
             "index_head_dim": {"type": "const", "value": 128}, "page_size": {"type": "const", "value": 64},
             "topk": {"type": "const", "value": 2048}, "max_num_pages": {"type": "var"}, "num_pages": {"type": "var"},
             "kv_cache_num_heads": {"type": "const", "value": 1}, "head_dim_with_scale": {"type": "const", "value": 132}},
    "inputs": {"q_index_fp8": {"shape": ["batch_size", "num_index_heads", "index_head_dim"], "dtype": "float8_e4m3fn"},
               "k_index_cache_fp8": {"shape": ["num_pages", "page_size", "kv_cache_num_heads", "head_dim_with_scale"], "dtype": "int8"},
               "weights": {"shape": ["batch_size", "num_index_heads"], "dtype": "float32"},
               "seq_lens": {"shape": ["batch_size"], "dtype": "int32"},
               "block_table": {"shape": ["batch_size", "max_num_pages"], "dtype": "int32"}},
    "outputs": {"topk_indices": {"shape": ["batch_size", "topk"], "dtype": "int32"}}})";
  Definition d = parse_definition(parse_json(def, "dsa"), "dsa");
  Workload w = parse_workload(parse_json(R"({"uuid": "real", "axes": {"batch_size": 1, "max_num_pages": 50, "num_pages": 60}})", "w"), "w");
  auto in = generate_inputs(d, w, 17, 0, ".");
  const int64_t seq_len = 3000;  // 47 pages, in a shuffled order
  std::vector<double> table(50, 0);
  for (int64_t m = 0; m < 50; ++m) table[static_cast<size_t>(m)] = static_cast<double>((m * 37 + 5) % 60);
  in[3] = tensor("seq_lens", DType::kInt32, {1}, {static_cast<double>(seq_len)});
  in[4] = tensor("block_table", DType::kInt32, {1, 50}, table);
  // Score every token of the sequence as the reference does.
  const uint8_t* kc = in[1].data.data();
  std::vector<std::pair<double, int64_t>> scored;
  for (int64_t pos = 0; pos < seq_len; ++pos) {
    const int64_t page = static_cast<int64_t>(table[static_cast<size_t>(pos / 64)]), slot = pos % 64;
    const uint8_t* flat = kc + page * 64 * 132;
    float scale;
    std::memcpy(&scale, flat + 64 * 128 + slot * 4, 4);
    double total = 0;
    for (int h = 0; h < 64; ++h) {
      double dot = 0;
      for (int j = 0; j < 128; ++j)
        dot += load_element(DType::kFloat8E4M3, in[0].data.data(), static_cast<size_t>(h * 128 + j)) *
               load_element(DType::kFloat8E4M3, flat, static_cast<size_t>(slot * 128 + j)) * scale;
      total += std::max(dot, 0.0) * load_element(DType::kFloat32, in[2].data.data(), static_cast<size_t>(h));
    }
    scored.push_back({total, page * 64 + slot});
  }
  std::sort(scored.begin(), scored.end(), [](auto& a, auto& b) { return a.first > b.first; });
  std::vector<double> want, shuffled, swapped;
  for (int j = 0; j < 2048; ++j) want.push_back(static_cast<double>(scored[static_cast<size_t>(j)].second));
  shuffled = want;
  std::reverse(shuffled.begin(), shuffled.end());
  std::rotate(shuffled.begin(), shuffled.begin() + 700, shuffled.end());
  Correctness c;
  const Tolerance tol;
  auto check = [&](const std::vector<double>& got) {
    return check_dsa_topk_indexer(d, tol, in, tensor("topk_indices", DType::kInt32, {1, 2048}, want),
                                  tensor("topk_indices", DType::kInt32, {1, 2048}, got), c);
  };
  EXPECT_FALSE(check(shuffled));
  // The worst selected token for a much worse one (rank 2900): a real difference in score.
  swapped = want;
  swapped[2047] = static_cast<double>(scored[2900].second);
  ASSERT_GT(std::abs(scored[2047].first - scored[2900].first), 0.02 * std::abs(scored[2047].first) + 0.02);
  auto v = check(swapped);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->reason_code, "numerical_mismatch") << v->reason;
}

}  // namespace
}  // namespace kda
