#include "eval/fib_rules.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <type_traits>

#include "core/error.h"

namespace kda {
namespace {

// ---- The table: facts from flashinfer-bench at commit ecafa9c. ---------------------------------

// flashinfer_bench/bench/config.py, ResolvedEvalConfig: rtol 1e-2, atol 1e-2,
// required_matched_ratio None, which compute_error_stats (bench/utils.py) reads as 1.0.
constexpr Tolerance kFibDefault{.atol = 1e-2, .rtol = 1e-2, .required_matched_ratio = 1.0};

// flashinfer_bench/bench/eval_config.yaml, op_type_config (its definition_config is empty).
struct OpTypeRow {
  const char* op_type;
  std::optional<double> required_matched_ratio;
  std::optional<int> sampling_validation_trials;
  std::optional<double> sampling_tvd_threshold;
};
constexpr OpTypeRow kOpTypeConfig[] = {
    {"moe", 0.95, std::nullopt, std::nullopt},
    {"sampling", std::nullopt, 100, 0.2},
};

// bench/evaluators/lowbit.py: LowBitEvaluator claims names containing "moe_fp8_block_scale" and
// sets required_matched_ratio to DEFAULT_REQUIRED_MATCHED_RATIO = 0.95 when no layer set it.
constexpr const char* kLowBitNamePart = "moe_fp8_block_scale";
constexpr double kLowBitMatchedRatio = 0.95;

// bench/evaluators/dsa_sparse_attention.py: these two names; a value-returning solution may
// return `output` alone (_flexible_normalize), so `lse` is compared only when returned.
constexpr const char* kDsaSparseAttention[] = {"dsa_sparse_attention_h16_ckv512_kpe64_topk2048_ps1",
                                               "dsa_sparse_attention_h16_ckv512_kpe64_topk2048_ps64"};

// bench/evaluators/dsa_topk_indexer.py: names starting with "dsa_topk_indexer".
constexpr const char* kDsaIndexerPrefix = "dsa_topk_indexer";

// bench/evaluators/sampling.py: SamplingEvaluator claims op_type "sampling"; defaults
// VALIDATION_TRIALS_DEFAULT 100, TVD_THRESHOLD_DEFAULT 0.2; _sample_token_distributions with
// num_trials=500000 and target_batch_size 10000; _compute_valid_sampling_mask eps 5e-2;
// _detect_thresholding_method from the lower-cased name.

// -------------------------------------------------------------------------------------------------

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

const Json* kda_field(const Definition& d, const char* key) {
  if (!d.raw.is_object()) return nullptr;
  auto k = d.raw.find("kda");
  if (k == d.raw.end() || !k->is_object()) return nullptr;
  auto f = k->find(key);
  return f == k->end() || f->is_null() ? nullptr : &*f;
}

std::string thresholding_of(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (contains(name, "top_k_top_p")) return "top_k_top_p";
  if (contains(name, "top_k")) return "top_k";
  if (contains(name, "top_p")) return "top_p";
  return "none";
}

Comparator parse_comparator(const std::string& s) {
  if (s == "topk_indices") return Comparator::kTopkIndices;
  if (s == "dsa_topk_indexer") return Comparator::kDsaTopkIndexer;
  if (s == "sampling") return Comparator::kSampling;
  return Comparator::kAllclose;
}

// kda.sampling: {"validation_trials", "tvd_threshold", "samples_per_row", "target_rows",
// "max_tiled_bytes"}, each optional (kda's knobs, e.g. fewer samples on a 2-core CI machine).
void apply_kda_sampling(const Definition& d, SamplingRule& s) {
  const Json* j = kda_field(d, "sampling");
  if (!j) return;
  const std::string where = d.name + ": field 'kda.sampling";
  if (!j->is_object()) fail(ErrorKind::kInput, where + "': expected an object");
  auto integer = [&](const char* key, int64_t lo, int64_t hi, auto& out) {
    auto f = j->find(key);
    if (f == j->end()) return;
    if (!f->is_number_integer() || f->get<int64_t>() < lo || f->get<int64_t>() > hi)
      fail(ErrorKind::kInput, where + "." + key + "': expected an integer in [" + std::to_string(lo) + ", " +
                                  std::to_string(hi) + "]");
    out = static_cast<std::remove_reference_t<decltype(out)>>(f->get<int64_t>());
  };
  integer("validation_trials", 0, 100000, s.validation_trials);
  integer("samples_per_row", 1, int64_t{1} << 32, s.samples_per_row);
  integer("target_rows", 1, int64_t{1} << 24, s.target_rows);
  integer("max_tiled_bytes", 1, int64_t{1} << 40, s.max_tiled_bytes);
  if (auto f = j->find("tvd_threshold"); f != j->end()) {
    if (!f->is_number() || !(f->get<double>() >= 0 && f->get<double>() <= 1))
      fail(ErrorKind::kInput, where + ".tvd_threshold': expected a number in [0, 1]");
    s.tvd_threshold = f->get<double>();
  }
}

}  // namespace

const char* comparator_name(Comparator c) {
  switch (c) {
    case Comparator::kAllclose: return "allclose";
    case Comparator::kTopkIndices: return "topk_indices";
    case Comparator::kDsaTopkIndexer: return "dsa_topk_indexer";
    case Comparator::kSampling: return "sampling";
  }
  return "?";
}

CheckRules check_rules(const Definition& d) {
  CheckRules r;
  // A Definition made in code has no document: its fields are what its author set.
  if (!d.raw.is_object()) {
    r.tolerance = d.tolerance;
    r.comparator = parse_comparator(d.comparator);
    r.origin = "the definition's fields";
    r.sampling.thresholding = thresholding_of(d.name);
    apply_kda_sampling(d, r.sampling);
    return r;
  }

  // flashinfer-bench's evaluator for this definition (registry.py: exactly one may claim it).
  std::vector<const char*> claims;
  if (d.op_type == "sampling") claims.push_back("sampling");
  if (contains(d.name, kLowBitNamePart)) claims.push_back("low-bit");
  for (const char* n : kDsaSparseAttention)
    if (d.name == n) claims.push_back("DSA sparse attention");
  if (d.name.rfind(kDsaIndexerPrefix, 0) == 0) claims.push_back("DSA top-k indexer");
  if (claims.size() > 1)
    fail(ErrorKind::kInput, d.name + ": flashinfer-bench refuses this definition: its " + claims[0] + " and " + claims[1] +
                                " evaluators both claim it (bench/evaluators/registry.py)");
  const std::string evaluator = claims.empty() ? "default" : claims[0];

  // Tolerance layers, lowest first: defaults, op_type_config, (empty) definition_config.
  r.tolerance = kFibDefault;
  bool ratio_set = false;
  r.origin = "flashinfer-bench defaults";
  for (const OpTypeRow& row : kOpTypeConfig) {
    if (d.op_type != row.op_type) continue;
    r.origin = std::string("flashinfer-bench op_type ") + row.op_type;
    if (row.required_matched_ratio) {
      r.tolerance.required_matched_ratio = *row.required_matched_ratio;
      ratio_set = true;
    }
    if (row.sampling_validation_trials) r.sampling.validation_trials = *row.sampling_validation_trials;
    if (row.sampling_tvd_threshold) r.sampling.tvd_threshold = *row.sampling_tvd_threshold;
  }
  if (evaluator == "low-bit" && !ratio_set) r.tolerance.required_matched_ratio = kLowBitMatchedRatio;
  if (evaluator != "default") r.origin += ", " + evaluator + " evaluator";
  if (evaluator == "sampling") r.comparator = Comparator::kSampling;
  if (evaluator == "DSA top-k indexer") r.comparator = Comparator::kDsaTopkIndexer;
  if (evaluator == "DSA sparse attention") r.optional_outputs = {"lse"};
  r.sampling.thresholding = thresholding_of(d.name);

  // kda's own fields win, field by field (parse_definition merged them onto d.tolerance).
  if (const Json* t = kda_field(d, "tolerance"); t && t->is_object()) {
    if (t->contains("atol")) r.tolerance.atol = d.tolerance.atol;
    if (t->contains("rtol")) r.tolerance.rtol = d.tolerance.rtol;
    if (t->contains("required_matched_ratio")) r.tolerance.required_matched_ratio = d.tolerance.required_matched_ratio;
    r.origin += " + kda.tolerance";
  }
  if (kda_field(d, "comparator")) {
    r.comparator = parse_comparator(d.comparator);
    r.origin += " + kda.comparator";
  }
  apply_kda_sampling(d, r.sampling);
  return r;
}

}  // namespace kda
