#include "eval/compare.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <sstream>

#include "core/error.h"
#include "core/parallel.h"
#include "eval/compare_dsa.h"
#include "eval/float_scan.h"
#include "eval/sampling_check.h"

namespace kda {
namespace {

bool is_poison(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != kPoisonByte) return false;
  return true;
}

std::string fmt_count(int64_t n, int64_t total) {
  std::ostringstream s;
  s << n << " of " << total << " elements";
  return s.str();
}

Verdict fail(Status st, std::string code, std::string reason, const Correctness& c) {
  return failed_verdict(st, std::move(code), std::move(reason), c);
}

// float4_e2m1 holds two values a byte: each side is unpacked into float32 values, and a byte
// left at the poison pattern counts both its values as unwritten (0xFF decodes to -6, -6, which
// are values; only the byte tells).
HostTensor unpack_fp4(const HostTensor& t) {
  HostTensor f;
  f.name = t.name;
  f.dtype = DType::kFloat32;
  f.shape = {static_cast<int64_t>(t.numel() * 2)};
  f.allocate();
  for (size_t i = 0; i < t.numel() * 2; ++i) {
    const float v = static_cast<float>(load_element(t.dtype, t.data.data(), i));
    std::memcpy(f.data.data() + i * 4, &v, 4);
  }
  return f;
}

// One pass over every element. `load` and `poisoned` are inlined per dtype (float32 outputs get
// a loop without a call per element: every timed output goes through here).
template <typename Load, typename Poisoned>
OutputScan scan(const HostTensor& e, const HostTensor& a, const Tolerance& tol, Load load, Poisoned poisoned) {
  OutputScan r;
  const size_t n = e.numel(), es = dtype_size(e.dtype);
  const double first_e = n ? load(e.data.data()) : 0;
  const double first_a = n ? load(a.data.data()) : 0;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* ap = a.data.data() + i * es;
    const uint8_t* ep = e.data.data() + i * es;
    if (poisoned(ap) && !poisoned(ep)) {
      ++r.unwritten;
      continue;
    }
    double ev = load(ep), av = load(ap);
    if (std::isnan(av) && !std::isnan(ev)) { ++r.nan; continue; }
    if (std::isinf(av) && !(std::isinf(ev) && (av > 0) == (ev > 0))) { ++r.inf; continue; }
    if (std::abs(ev - first_e) > tol.atol) r.expected_constant = false;
    if (av != first_a) r.actual_constant = false;
    if (av != 0) r.actual_zero = false;
    if (std::isnan(ev) || std::isinf(ev)) continue;  // matched exactly above
    double abs_err = std::abs(av - ev);
    double rel_err = ev != 0 ? abs_err / std::abs(ev) : (abs_err == 0 ? 0 : INFINITY);
    r.max_abs = std::max(r.max_abs, abs_err);
    if (std::isfinite(rel_err)) r.max_rel = std::max(r.max_rel, rel_err);
    if (abs_err > tol.atol && abs_err > tol.rtol * std::abs(ev)) ++r.outside;
  }
  return r;
}

// Checks one output tensor; returns a failing verdict or nullopt.
std::optional<Verdict> check_tensor(const Tolerance& tol, const HostTensor& e, const HostTensor& a,
                                    Correctness& c) {
  const size_t n = e.numel() * values_per_element(e.dtype), es = dtype_size(e.dtype);
  if (a.dtype != e.dtype)
    return fail(Status::kIncorrectDtype, "dtype_mismatch", "output '" + e.name + "' has the wrong dtype", c);
  if (a.shape != e.shape || a.data.size() != e.data.size())
    return fail(Status::kIncorrectShape, "shape_mismatch", "output '" + e.name + "' has the wrong shape", c);
  static_assert(kPoisonByte == 0xFF, "the float32 path compares whole words with the poison");
  OutputScan sc;
  if (e.dtype == DType::kFloat4E2M1) {
    int64_t unwritten = 0;
    for (size_t i = 0; i < e.data.size(); ++i) unwritten += 2 * (a.data[i] == kPoisonByte && e.data[i] != kPoisonByte);
    const HostTensor ef = unpack_fp4(e), af = unpack_fp4(a);
    sc = scan(ef, af, tol, [](const uint8_t* p) { float v; std::memcpy(&v, p, 4); return double(v); },
              [](const uint8_t*) { return false; });
    sc.unwritten = unwritten;
  } else if (e.dtype != DType::kFloat32) {
    sc = scan(e, a, tol, [&](const uint8_t* p) { return load_element(e.dtype, p, 0); },
              [es](const uint8_t* p) { return is_poison(p, es); });
  } else if (!scan_finite_f32(reinterpret_cast<const float*>(e.data.data()), reinterpret_cast<const float*>(a.data.data()),
                              n, tol.atol, tol.rtol, &sc)) {
    // Something is unwritten, NaN or Inf (every honest timed call takes the vectorised scan
    // above): the element scan classifies it.
    sc = scan(e, a, tol, [](const uint8_t* p) { float v; std::memcpy(&v, p, 4); return double(v); },
              [](const uint8_t* p) { uint32_t v; std::memcpy(&v, p, 4); return v == 0xFFFFFFFFu; });
  }
  c.max_absolute_error = std::max(c.max_absolute_error, sc.max_abs);
  c.max_relative_error = std::max(c.max_relative_error, sc.max_rel);
  c.nan_count += sc.nan;
  c.inf_count += sc.inf;
  c.elements_outside_tolerance += sc.outside + sc.unwritten + sc.nan + sc.inf;
  c.elements_checked += static_cast<int64_t>(n);
  const int64_t total = static_cast<int64_t>(n);
  if (sc.unwritten)
    return fail(Status::kIncorrectNumerical, "unwritten_output",
                "output '" + e.name + "': " + fmt_count(sc.unwritten, total) + " were never written (still poison)", c);
  if (sc.nan)
    return fail(Status::kIncorrectNumerical, "nan_in_output",
                "output '" + e.name + "': " + fmt_count(sc.nan, total) + " are NaN where the reference is finite", c);
  if (sc.inf)
    return fail(Status::kIncorrectNumerical, "inf_in_output",
                "output '" + e.name + "': " + fmt_count(sc.inf, total) + " are Inf where the reference is finite", c);
  if (n >= 2 && !sc.expected_constant && sc.actual_constant)
    return fail(Status::kIncorrectNumerical, "degenerate_output",
                "output '" + e.name + "' is " + (sc.actual_zero ? "all zeros" : "constant") +
                    " while the reference output varies", c);
  double matched = total ? 1.0 - static_cast<double>(sc.outside) / total : 1.0;
  if (matched < tol.required_matched_ratio) {
    std::ostringstream s;
    s << "output '" << e.name << "': " << fmt_count(sc.outside, total) << " outside tolerance (atol "
      << tol.atol << ", rtol " << tol.rtol << "); max abs error " << sc.max_abs;
    return fail(Status::kIncorrectNumerical, "numerical_mismatch", s.str(), c);
  }
  return std::nullopt;
}

// Top-k: output int indices [.., k] into the last axis of the first input. Ties make index sets
// differ legitimately, so compare the multiset of selected scores instead of the indices.
//
// Exact tolerance, no NaN: with t the smallest score the reference selected, the candidate's
// multiset is the reference's iff every score it selected is >= t and as many of them are > t as
// of the reference's (the reference holds every score of the row above t; distinct indices then
// hold all of those, and the rest equal t). That is O(k) a row, where sorting both selections was
// O(k log k) and, at 1024 rows of k = 2048, most of a GPU evaluation's time (issue 16). With a
// tolerance, or NaN among the scores, both selections are sorted and compared pairwise.
//
// Where k is a large part of the row (k * 8 >= n), the selected scores are read by one scan of
// the row in index order over a byte map of which side selected each index, instead of by 2k
// reads at random places: a row of 32768 scores is 128 KB, and the random reads were a cache
// miss each (~0.2 ms a row of k = 2048 on the dev VM, most of the check).
template <typename IndexAt, typename ScoreAt>
std::optional<Verdict> check_topk_row_range(const Tolerance& tol, int64_t first_row, int64_t end_row, int64_t n, int64_t k,
                                            const HostTensor& e, const HostTensor& a, IndexAt index_at, ScoreAt score_at,
                                            Correctness& c) {
  const bool exact = tol.atol == 0 && tol.rtol == 0;
  const bool scan = k * 8 >= n;
  const size_t isize = dtype_size(a.dtype);
  enum : uint8_t { kCandidate = 1, kReference = 2 };
  std::vector<uint8_t> mark(static_cast<size_t>(n), 0);  // per index of the row: who selected it
  std::vector<double> want, got;
  for (int64_t r = first_row; r < end_row; ++r) {
    const size_t base = static_cast<size_t>(r * k);
    const size_t row = static_cast<size_t>(r * n);
    auto clear_marks = [&] {
      if (scan) {
        std::fill(mark.begin(), mark.end(), 0);
        return;
      }
      for (int64_t j = 0; j < k; ++j) {
        const int64_t ai = index_at(a, base + static_cast<size_t>(j)), ei = index_at(e, base + static_cast<size_t>(j));
        if (ai >= 0 && ai < n) mark[static_cast<size_t>(ai)] = 0;
        if (ei >= 0 && ei < n) mark[static_cast<size_t>(ei)] = 0;
      }
    };
    for (int64_t j = 0; j < k; ++j) {
      const size_t idx = base + static_cast<size_t>(j);
      if (is_poison(a.data.data() + idx * isize, isize))
        return fail(Status::kIncorrectNumerical, "unwritten_output", "top-k row " + std::to_string(r) + " has unwritten indices", c);
      const int64_t ai = index_at(a, idx);
      if (ai < 0 || ai >= n || (mark[static_cast<size_t>(ai)] & kCandidate))
        return fail(Status::kIncorrectNumerical, "invalid_index",
                    "top-k row " + std::to_string(r) + " has an out-of-range or repeated index " + std::to_string(ai), c);
      mark[static_cast<size_t>(ai)] |= kCandidate;
      const int64_t ei = index_at(e, idx);
      if (ei < 0 || ei >= n)
        kda::fail(ErrorKind::kInput, "the reference's top-k output has an out-of-range index " + std::to_string(ei) +
                                         " in row " + std::to_string(r));
      mark[static_cast<size_t>(ei)] |= kReference;
    }
    // The reference's smallest selected score, and whether any selected score is NaN.
    double t = INFINITY;
    bool any_nan = false;
    if (scan) {
      for (int64_t i = 0; i < n; ++i) {
        const uint8_t m = mark[static_cast<size_t>(i)];
        if (!m) continue;
        const double v = score_at(row + static_cast<size_t>(i));
        any_nan = any_nan || std::isnan(v);
        if (m & kReference) t = std::min(t, v);
      }
    } else {
      for (int64_t j = 0; j < k; ++j) {
        const size_t idx = base + static_cast<size_t>(j);
        const double g = score_at(row + static_cast<size_t>(index_at(a, idx)));
        const double w = score_at(row + static_cast<size_t>(index_at(e, idx)));
        any_nan = any_nan || std::isnan(g) || std::isnan(w);
        t = std::min(t, w);
      }
    }
    if (exact && !any_nan && k > 0) {
      int64_t want_above = 0, got_above = 0;
      bool below = false;
      auto count = [&](uint8_t m, double v) {
        if (m & kCandidate) {
          got_above += v > t;
          below = below || v < t;
        }
        if (m & kReference) want_above += v > t;
      };
      if (scan) {
        for (int64_t i = 0; i < n; ++i)
          if (const uint8_t m = mark[static_cast<size_t>(i)]) count(m, score_at(row + static_cast<size_t>(i)));
      } else {
        for (int64_t j = 0; j < k; ++j) {
          const size_t idx = base + static_cast<size_t>(j);
          count(kCandidate, score_at(row + static_cast<size_t>(index_at(a, idx))));
          count(kReference, score_at(row + static_cast<size_t>(index_at(e, idx))));
        }
      }
      clear_marks();
      if (below || got_above != want_above)
        return fail(Status::kIncorrectNumerical, "numerical_mismatch",
                    "top-k row " + std::to_string(r) + " selects different scores than the reference", c);
      continue;
    }
    clear_marks();
    want.clear();
    got.clear();
    for (int64_t j = 0; j < k; ++j) {
      const size_t idx = base + static_cast<size_t>(j);
      got.push_back(score_at(row + static_cast<size_t>(index_at(a, idx))));
      want.push_back(score_at(row + static_cast<size_t>(index_at(e, idx))));
    }
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    for (int64_t j = 0; j < k; ++j) {
      double err = std::abs(got[static_cast<size_t>(j)] - want[static_cast<size_t>(j)]);
      c.max_absolute_error = std::max(c.max_absolute_error, err);
      if (err > tol.atol && err > tol.rtol * std::abs(want[static_cast<size_t>(j)]))
        return fail(Status::kIncorrectNumerical, "numerical_mismatch",
                    "top-k row " + std::to_string(r) + " selects different scores than the reference", c);
    }
  }
  return std::nullopt;
}

// The rows split over the host's cores, with the verdict the rows would give one after another:
// the first row (in order) that fails or throws decides, and the errors recorded are those of
// the rows up to it.
template <typename IndexAt, typename ScoreAt>
std::optional<Verdict> check_topk_rows(const Tolerance& tol, int64_t rows, int64_t n, int64_t k, const HostTensor& e,
                                       const HostTensor& a, IndexAt index_at, ScoreAt score_at, Correctness& c) {
  struct Part {
    Correctness c;
    std::optional<Verdict> bad;
    std::exception_ptr error;
  };
  // A chunk holds at least ~256 K elements' worth of rows (a row costs its k selections and, on
  // the scan path, its n scores).
  const size_t row_cost = static_cast<size_t>(std::max<int64_t>(n + k, 1));
  const size_t chunks = chunk_count(static_cast<size_t>(rows), std::max<size_t>((size_t{1} << 18) / row_cost, 1));
  std::vector<Part> parts(chunks);
  parallel_chunks(static_cast<size_t>(rows), chunks, [&](size_t p, size_t begin, size_t end) {
    try {
      parts[p].bad = check_topk_row_range(tol, static_cast<int64_t>(begin), static_cast<int64_t>(end), n, k, e, a, index_at,
                                          score_at, parts[p].c);
    } catch (...) {
      parts[p].error = std::current_exception();
    }
  });
  for (Part& part : parts) {
    c.max_absolute_error = std::max(c.max_absolute_error, part.c.max_absolute_error);
    if (part.error) std::rethrow_exception(part.error);
    if (part.bad) {
      part.bad->correctness = c;
      return part.bad;
    }
  }
  c.elements_checked += static_cast<int64_t>(e.numel());
  return std::nullopt;
}

std::optional<Verdict> check_topk(const Tolerance& tol, const std::vector<HostTensor>& inputs,
                                  const HostTensor& e, const HostTensor& a, Correctness& c) {
  if (inputs.empty() || a.shape != e.shape || a.dtype != e.dtype || e.shape.empty())
    return fail(Status::kIncorrectShape, "shape_mismatch", "top-k output has the wrong shape or dtype", c);
  const HostTensor& scores = inputs[0];
  const int64_t n = scores.shape.back(), k = e.shape.back();
  const int64_t rows = k ? static_cast<int64_t>(e.numel()) / k : 0;
  if (rows * std::max<int64_t>(n, 0) > static_cast<int64_t>(scores.numel()))
    return fail(Status::kIncorrectShape, "shape_mismatch", "top-k output has more rows than the scores", c);
  // Typed reads for the common dtypes (int32/int64 indices, float32 scores); load_element else.
  auto generic_index = [](const HostTensor& t, size_t i) { return static_cast<int64_t>(load_element(t.dtype, t.data.data(), i)); };
  auto generic_score = [&scores](size_t i) { return load_element(scores.dtype, scores.data.data(), i); };
  auto f32_score = [p = reinterpret_cast<const float*>(scores.data.data())](size_t i) { return static_cast<double>(p[i]); };
  auto typed_index = [](auto type_tag) {
    using T = decltype(type_tag);
    return [](const HostTensor& t, size_t i) {
      T v;
      std::memcpy(&v, t.data.data() + i * sizeof(T), sizeof(T));
      return static_cast<int64_t>(v);
    };
  };
  auto with_scores = [&](auto index_at) {
    if (scores.dtype == DType::kFloat32) return check_topk_rows(tol, rows, n, k, e, a, index_at, f32_score, c);
    return check_topk_rows(tol, rows, n, k, e, a, index_at, generic_score, c);
  };
  if (a.dtype == DType::kInt32) return with_scores(typed_index(int32_t{}));
  if (a.dtype == DType::kInt64) return with_scores(typed_index(int64_t{}));
  return with_scores(generic_index);
}

bool all_poison(const HostTensor& t) { return !t.data.empty() && is_poison(t.data.data(), t.data.size()); }

}  // namespace

Verdict compare_outputs(const Definition& def, const std::vector<HostTensor>& inputs,
                        const std::vector<HostTensor>& expected, const std::vector<HostTensor>& actual) {
  return compare_outputs(def, check_rules(def), inputs, expected, actual);
}

Verdict compare_outputs(const Definition& def, const CheckRules& rules, const std::vector<HostTensor>& inputs,
                        const std::vector<HostTensor>& expected, const std::vector<HostTensor>& actual) {
  Verdict v;
  if (expected.size() != actual.size())
    return fail(Status::kIncorrectShape, "shape_mismatch", "wrong number of outputs", v.correctness);
  if (rules.comparator == Comparator::kSampling && !expected.empty()) {
    // Only the samples (the first output) are checked here, against the mask of this call's
    // inputs; their distribution needs repeated calls (the judge's sampling trials).
    if (auto bad = check_sampling_call(def, rules.sampling, inputs, expected[0], actual[0], v.correctness)) return *bad;
    return v;
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    const bool optional = std::find(rules.optional_outputs.begin(), rules.optional_outputs.end(), expected[i].name) !=
                          rules.optional_outputs.end();
    if (optional && actual[i].shape == expected[i].shape && actual[i].dtype == expected[i].dtype && all_poison(actual[i]))
      continue;  // not returned (flashinfer-bench compares only what a solution returns)
    std::optional<Verdict> bad;
    switch (rules.comparator) {
      case Comparator::kTopkIndices: bad = check_topk(rules.tolerance, inputs, expected[i], actual[i], v.correctness); break;
      case Comparator::kDsaTopkIndexer:
        bad = i == 0 ? check_dsa_topk_indexer(def, rules.tolerance, inputs, expected[i], actual[i], v.correctness)
                     : check_tensor(rules.tolerance, expected[i], actual[i], v.correctness);
        break;
      default: bad = check_tensor(rules.tolerance, expected[i], actual[i], v.correctness); break;
    }
    if (bad) return *bad;
  }
  return v;
}

}  // namespace kda
