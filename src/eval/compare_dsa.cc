#include "eval/compare_dsa.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_map>

#include "core/error.h"

namespace kda {
namespace {

const HostTensor& input_named(const Definition& def, const std::vector<HostTensor>& inputs, const char* name,
                              size_t rank, bool one_byte) {
  for (size_t i = 0; i < def.inputs.size() && i < inputs.size(); ++i) {
    if (def.inputs[i].name != name) continue;
    const HostTensor& t = inputs[i];
    if (t.shape.size() != rank || (one_byte && dtype_size(t.dtype) != 1))
      fail(ErrorKind::kInput, def.name + ": the dsa_topk_indexer check needs input '" + name + "' of rank " +
                                  std::to_string(rank) + (one_byte ? " with 1-byte elements" : "") + ", found " + describe(t));
    return t;
  }
  fail(ErrorKind::kInput, def.name + ": the dsa_topk_indexer check needs an input named '" + name + "'");
}

// The scoring of DsaTopkIndexerEvaluator._compute_scores_at_indices, for one row's indices.
struct Scorer {
  const HostTensor &q, &kc, &w;
  int64_t heads, dim, page_size, pages;
  std::vector<float> qf;  // q of the row, dequantised: [heads, dim]
  std::vector<float> k;   // scratch: one token

  Scorer(const HostTensor& q_, const HostTensor& kc_, const HostTensor& w_)
      : q(q_), kc(kc_), w(w_), heads(q_.shape[1]), dim(q_.shape[2]), page_size(kc_.shape[1]), pages(kc_.shape[0]),
        qf(static_cast<size_t>(heads * dim)), k(static_cast<size_t>(dim)) {}

  void set_row(int64_t b) {
    for (size_t i = 0; i < qf.size(); ++i)
      qf[i] = static_cast<float>(load_element(q.dtype, q.data.data(), static_cast<size_t>(b * heads * dim) + i));
  }

  // -inf for padding and for a token outside the cache (validated indices never are).
  double score(int64_t b, int64_t idx) {
    if (idx < 0 || idx / page_size >= pages) return -std::numeric_limits<double>::infinity();
    const int64_t page = idx / page_size, slot = idx % page_size;
    const uint8_t* base = kc.data.data() + page * page_size * (dim + 4);
    float scale;
    std::memcpy(&scale, base + page_size * dim + slot * 4, 4);
    for (int64_t d = 0; d < dim; ++d)
      k[static_cast<size_t>(d)] = static_cast<float>(load_element(DType::kFloat8E4M3, base + slot * dim, static_cast<size_t>(d))) * scale;
    double total = 0;
    for (int64_t h = 0; h < heads; ++h) {
      const float* qh = qf.data() + h * dim;
      float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // independent sums: the loop is not latency-bound
      int64_t d = 0;
      for (; d + 8 <= dim; d += 8)
        for (int j = 0; j < 8; ++j) acc[j] += qh[d + j] * k[static_cast<size_t>(d + j)];
      double dot = 0;
      for (float a : acc) dot += a;
      for (; d < dim; ++d) dot += static_cast<double>(qh[d]) * k[static_cast<size_t>(d)];
      total += std::max(dot, 0.0) * load_element(w.dtype, w.data.data(), static_cast<size_t>(b * heads + h));
    }
    return total;
  }
};

}  // namespace

std::optional<Verdict> check_dsa_topk_indexer(const Definition& def, const Tolerance& tol,
                                              const std::vector<HostTensor>& inputs, const HostTensor& e,
                                              const HostTensor& a, Correctness& c) {
  if (a.dtype != e.dtype) return failed_verdict(Status::kIncorrectDtype, "dtype_mismatch", "output '" + e.name + "' has the wrong dtype", c);
  if (a.shape != e.shape || a.data.size() != e.data.size() || e.shape.size() != 2)
    return failed_verdict(Status::kIncorrectShape, "shape_mismatch", "output '" + e.name + "' has the wrong shape", c);
  const HostTensor& q = input_named(def, inputs, "q_index_fp8", 3, false);
  const HostTensor& kc = input_named(def, inputs, "k_index_cache_fp8", 4, true);
  const HostTensor& w = input_named(def, inputs, "weights", 2, false);
  const HostTensor& seq_lens = input_named(def, inputs, "seq_lens", 1, false);
  const HostTensor& bt = input_named(def, inputs, "block_table", 2, false);
  const int64_t rows = e.shape[0], topk = e.shape[1], page_size = kc.shape[1], slots = bt.shape[1];
  if (q.shape[0] != rows || w.shape[0] != rows || seq_lens.shape[0] != rows || bt.shape[0] != rows ||
      w.shape[1] != q.shape[1] || kc.shape[3] != q.shape[2] + 4 || page_size <= 0)
    fail(ErrorKind::kInput, def.name + ": the dsa_topk_indexer check's inputs disagree on their shapes (" + describe(q) + ", " +
                                describe(kc) + ", " + describe(w) + ", " + describe(seq_lens) + ", " + describe(bt) + ")");
  auto at = [](const HostTensor& t, int64_t i) { return static_cast<int64_t>(load_element(t.dtype, t.data.data(), static_cast<size_t>(i))); };

  Scorer scorer(q, kc, w);
  int64_t outside = 0;
  double max_abs = 0, max_rel = 0;
  std::vector<double> want(static_cast<size_t>(topk)), got(static_cast<size_t>(topk));
  for (int64_t b = 0; b < rows; ++b) {
    // 1. Reachability and duplicates (_validate_indices).
    std::vector<int64_t> valid;
    for (int64_t j = 0; j < topk; ++j) {
      const int64_t idx = at(a, b * topk + j);
      if (idx < 0) continue;
      const int64_t page = idx / page_size, slot = idx % page_size;
      int64_t m = 0;
      while (m < slots && at(bt, b * slots + m) != page) ++m;
      if (m == slots || m * page_size + slot >= at(seq_lens, b) || page >= kc.shape[0])
        return failed_verdict(Status::kIncorrectNumerical, "invalid_index",
                              "row " + std::to_string(b) + ": index " + std::to_string(idx) +
                                  " is not a token of the row's sequence (its page is not in block_table, or it lies past seq_lens)", c);
      valid.push_back(idx);
    }
    std::sort(valid.begin(), valid.end());
    if (auto dup = std::adjacent_find(valid.begin(), valid.end()); dup != valid.end())
      return failed_verdict(Status::kIncorrectNumerical, "invalid_index",
                            "row " + std::to_string(b) + ": index " + std::to_string(*dup) + " is selected twice", c);
    // 2. Scores of both selections, sorted descending; one token scored once per row.
    scorer.set_row(b);
    std::unordered_map<int64_t, double> memo;
    auto score = [&](int64_t idx) {
      if (idx < 0) return -std::numeric_limits<double>::infinity();
      auto [it, fresh] = memo.try_emplace(idx, 0.0);
      if (fresh) it->second = scorer.score(b, idx);
      return it->second;
    };
    for (int64_t j = 0; j < topk; ++j) {
      want[static_cast<size_t>(j)] = score(at(e, b * topk + j));
      got[static_cast<size_t>(j)] = score(at(a, b * topk + j));
    }
    std::sort(want.begin(), want.end(), std::greater<>());
    std::sort(got.begin(), got.end(), std::greater<>());
    for (int64_t j = 0; j < topk; ++j) {
      const double x = got[static_cast<size_t>(j)], y = want[static_cast<size_t>(j)];
      if (!std::isfinite(x) || !std::isfinite(y)) {
        outside += !(std::isinf(x) && std::isinf(y) && std::signbit(x) == std::signbit(y));  // shared padding matches
        continue;
      }
      const double abs_err = std::abs(x - y), rel_err = abs_err / (std::abs(y) + 1e-8);
      max_abs = std::max(max_abs, abs_err);
      max_rel = std::max(max_rel, rel_err);
      outside += abs_err > tol.atol && rel_err > tol.rtol;
    }
  }
  const int64_t total = rows * topk;
  c.max_absolute_error = std::max(c.max_absolute_error, max_abs);
  c.max_relative_error = std::max(c.max_relative_error, max_rel);
  c.elements_outside_tolerance += outside;
  c.elements_checked += total;
  const double matched = total ? 1.0 - static_cast<double>(outside) / static_cast<double>(total) : 1.0;
  if (matched < tol.required_matched_ratio)
    return failed_verdict(Status::kIncorrectNumerical, "numerical_mismatch",
                          "output '" + e.name + "': the selected tokens' sorted scores differ from the reference's in " +
                              std::to_string(outside) + " of " + std::to_string(total) + " places (atol " +
                              std::to_string(tol.atol) + ", rtol " + std::to_string(tol.rtol) + ")",
                          c);
  return std::nullopt;
}

}  // namespace kda
