#include "eval/fib_rules.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "core/error.h"
#include "core/json_io.h"
#include "eval/sampling_check.h"
#include "task/inputs.h"
#include "task/workload.h"
#include "task/workload_size.h"

namespace kda {
namespace {

// A definition with the name and op_type of a real one of flashinfer-trace (@ ecafa9c); the
// rules depend on nothing else. `kda` is the kda block, or "" for none.
Definition def(const std::string& name, const std::string& op_type, const std::string& kda = "") {
  std::string j = R"({"name": ")" + name + R"(", "op_type": ")" + op_type + R"(", "axes": {"N": {"type": "var"}},
    "inputs": {"x": {"shape": ["N"], "dtype": "float32"}}, "outputs": {"y": {"shape": ["N"], "dtype": "float32"}})";
  if (!kda.empty()) j += R"(, "kda": )" + kda;
  j += "}";
  return parse_definition(parse_json(j, name), name);
}

TEST(FibRules, DefaultOpTypesGetFlashinferBenchDefaults) {
  for (auto [name, op] : {std::pair{"rmsnorm_h4096", "rmsnorm"}, std::pair{"gemm_n4096_k4096", "gemm"},
                          std::pair{"gqa_paged_decode_h32_kv8_d128_ps1", "gqa_paged"},
                          std::pair{"mla_paged_decode_h16_ckv512_kpe64_ps1", "mla_paged"}}) {
    CheckRules r = check_rules(def(name, op));
    EXPECT_EQ(r.tolerance.atol, 1e-2) << name;
    EXPECT_EQ(r.tolerance.rtol, 1e-2) << name;
    EXPECT_EQ(r.tolerance.required_matched_ratio, 1.0) << name;
    EXPECT_EQ(r.comparator, Comparator::kAllclose) << name;
    EXPECT_TRUE(r.optional_outputs.empty()) << name;
  }
}

TEST(FibRules, MoeMatchedRatioIs095ForEveryMoeDefinition) {
  // eval_config.yaml's op_type moe, whether the low-bit evaluator claims the name or not.
  for (const char* name : {"moe_fp8_block_scale_ds_routing_topk8_ng8_kg4_e32_h7168_i2048",
                           "trtllm_fp4_block_scale_moe_topk8_e64_h4096_i1536"}) {
    CheckRules r = check_rules(def(name, "moe"));
    EXPECT_EQ(r.tolerance.required_matched_ratio, 0.95) << name;
    EXPECT_EQ(r.tolerance.atol, 1e-2) << name;
    EXPECT_EQ(r.comparator, Comparator::kAllclose) << name;
  }
  // The low-bit evaluator's own default applies wherever the name claims it, whatever the op_type.
  EXPECT_EQ(check_rules(def("moe_fp8_block_scale_x", "gemm")).tolerance.required_matched_ratio, 0.95);
  EXPECT_EQ(check_rules(def("trtllm_fp4_block_scale_moe_x", "gemm")).tolerance.required_matched_ratio, 1.0);
}

TEST(FibRules, SamplingDefinitionsUseTheSamplingCheckWithThresholdingFromTheName) {
  CheckRules k = check_rules(def("top_k_sampling_from_probs_v128256", "sampling"));
  EXPECT_EQ(k.comparator, Comparator::kSampling);
  EXPECT_EQ(k.sampling.thresholding, "top_k");
  EXPECT_EQ(k.sampling.validation_trials, 100);
  EXPECT_EQ(k.sampling.tvd_threshold, 0.2);
  EXPECT_EQ(k.sampling.samples_per_row, 500000);
  EXPECT_EQ(k.sampling.target_rows, 10000);
  EXPECT_EQ(check_rules(def("top_p_sampling_from_probs_v151936", "sampling")).sampling.thresholding, "top_p");
  EXPECT_EQ(check_rules(def("top_k_top_p_sampling_from_probs_v200064", "sampling")).sampling.thresholding, "top_k_top_p");
  EXPECT_EQ(check_rules(def("Plain_Sampling", "sampling")).sampling.thresholding, "none");
}

TEST(FibRules, DsaDefinitions) {
  EXPECT_EQ(check_rules(def("dsa_topk_indexer_fp8_h64_d128_topk2048_ps64", "dsa_paged")).comparator,
            Comparator::kDsaTopkIndexer);
  CheckRules sa = check_rules(def("dsa_sparse_attention_h16_ckv512_kpe64_topk2048_ps64", "dsa_paged"));
  EXPECT_EQ(sa.comparator, Comparator::kAllclose);
  EXPECT_EQ(sa.optional_outputs, std::vector<std::string>{"lse"});
  // Only the two names the evaluator lists, not every DSA attention.
  EXPECT_TRUE(check_rules(def("dsa_sparse_attention_h16_ckv512_kpe64_topk2048_ps32", "dsa_paged")).optional_outputs.empty());
}

TEST(FibRules, KdaFieldsWinFieldByField) {
  CheckRules r = check_rules(def("moe_fp8_block_scale_x", "moe", R"({"tolerance": {"atol": 0.5}})"));
  EXPECT_EQ(r.tolerance.atol, 0.5);
  EXPECT_EQ(r.tolerance.rtol, 1e-2);
  EXPECT_EQ(r.tolerance.required_matched_ratio, 0.95);  // not given: flashinfer-bench's moe value
  CheckRules s = check_rules(def("top_k_sampling_from_probs_v64", "sampling",
                                 R"({"comparator": "allclose", "tolerance": {"required_matched_ratio": 0.5},
                                     "sampling": {"samples_per_row": 2000, "validation_trials": 3}})"));
  EXPECT_EQ(s.comparator, Comparator::kAllclose);
  EXPECT_EQ(s.tolerance.required_matched_ratio, 0.5);
  EXPECT_EQ(s.sampling.samples_per_row, 2000);
  EXPECT_EQ(s.sampling.validation_trials, 3);
  EXPECT_EQ(s.sampling.tvd_threshold, 0.2);
  EXPECT_EQ(check_rules(def("gemm_x", "gemm", R"({"comparator": "sampling"})")).comparator, Comparator::kSampling);
}

TEST(FibRules, ADefinitionBuiltInCodeIsTakenAsItsFieldsSay) {
  Definition d;
  d.name = "moe_fp8_block_scale_x";
  d.op_type = "moe";
  d.tolerance = {.atol = 1e-3, .rtol = 1e-3, .required_matched_ratio = 1.0};
  d.comparator = "topk_indices";
  CheckRules r = check_rules(d);
  EXPECT_EQ(r.tolerance.atol, 1e-3);
  EXPECT_EQ(r.tolerance.required_matched_ratio, 1.0);
  EXPECT_EQ(r.comparator, Comparator::kTopkIndices);
}

TEST(FibRules, RefusedWhereFlashinferBenchRefuses) {
  // registry.py raises when two evaluators claim a definition.
  EXPECT_THROW(check_rules(def("dsa_topk_indexer_moe_fp8_block_scale", "x")), Error);
  // A malformed kda.sampling fails when the definition loads, naming the field.
  for (const char* bad : {R"({"sampling": {"tvd_threshold": 2}})", R"({"sampling": {"samples_per_row": 0}})",
                          R"({"sampling": {"sample_per_row": 10}})", R"({"sampling": 5})"}) {
    try {
      def("top_k_sampling", "sampling", bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("kda.sampling"), std::string::npos) << e.what();
    }
  }
}

TEST(FibRules, WritingADefinitionBackDoesNotFreezeKdaDefaults) {
  Definition d = def("moe_fp8_block_scale_x", "moe");
  Definition again = parse_definition(to_json(d), "again");
  EXPECT_FALSE(again.raw["kda"].contains("tolerance"));
  EXPECT_FALSE(again.raw["kda"].contains("comparator"));
  EXPECT_EQ(check_rules(again).tolerance.required_matched_ratio, 0.95);
}

// Every definition of a real flashinfer-trace dataset (KDA_FLASHINFER_TRACE = its folder, e.g. the
// 156 definitions at ecafa9c): the rules resolve without refusal, as flashinfer-bench's would, and
// inputs drawn for a small workload are well formed (sampling rows sum to 1, every packed DSA
// scale is finite). Skipped without the variable: the dataset is not vendored whole.
TEST(FibRules, EveryDefinitionOfARealDataset) {
  const char* root = std::getenv("KDA_FLASHINFER_TRACE");
  if (!root) GTEST_SKIP() << "set KDA_FLASHINFER_TRACE to a flashinfer_trace folder";
  std::map<std::string, int> by_comparator;
  int n = 0, drawn = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(std::filesystem::path(root) / "definitions")) {
    if (e.path().extension() != ".json") continue;
    Definition d = load_definition(e.path());
    CheckRules r;
    ASSERT_NO_THROW(r = check_rules(d)) << e.path();
    ++n;
    ++by_comparator[comparator_name(r.comparator)];
    EXPECT_EQ(r.comparator == Comparator::kSampling, d.op_type == "sampling") << d.name;
    EXPECT_EQ(r.comparator == Comparator::kDsaTopkIndexer, d.name.rfind("dsa_topk_indexer", 0) == 0) << d.name;
    EXPECT_EQ(r.tolerance.required_matched_ratio, d.op_type == "moe" ? 0.95 : 1.0) << d.name;
    Workload w;
    w.uuid = "probe";
    for (const Axis& a : d.axes)
      if (!a.is_const) w.axes[a.name] = 2;
    if (workload_bytes(d, w) > (uint64_t{256} << 20)) continue;  // a 57344 x 8192 weight: not on 2 cores
    std::vector<HostTensor> in = generate_inputs(d, w, 1, 0, ".");
    ++drawn;
    if (r.comparator == Comparator::kSampling) {
      SamplingMask m = sampling_mask(d, r.sampling, in);
      for (int64_t row = 0; row < m.rows; ++row) {
        double sum = 0;
        for (int64_t j = 0; j < m.vocab; ++j) sum += m.expected[static_cast<size_t>(row * m.vocab + j)];
        EXPECT_NEAR(sum, 1.0, 1e-6) << d.name;
      }
    }
  }
  std::string summary;
  for (auto& [c, k] : by_comparator) summary += " " + c + "=" + std::to_string(k);
  std::printf("%d definitions (%d drawn at var axes = 2):%s\n", n, drawn, summary.c_str());
  EXPECT_GT(n, 0);
}

}  // namespace
}  // namespace kda
