#include "tune/regimes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "core/error.h"
#include "core/fs.h"
#include "core/json_io.h"

namespace kda {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Three variants with crossing costs along N: the first is cheap for short rows, the third for
// long rows, the second in between; M only scales everything.
SegmentationInput three_regimes() {
  SegmentationInput in;
  in.var_axes = {"M", "N"};
  for (int64_t m : {1, 8})
    for (int64_t n = 256; n <= 262144; n *= 4) in.shapes.push_back({{"M", m}, {"N", n}});
  in.latency_ms.assign(3, {});
  for (const Shape& s : in.shapes) {
    const double m = s.at("M"), n = s.at("N");
    in.latency_ms[0].push_back(m * n * 1e-5 * (n > 4096 ? 4 : 1));
    in.latency_ms[1].push_back(m * n * 1e-5 * 1.5 + 0.01);
    in.latency_ms[2].push_back(m * n * 1e-5 * (n < 65536 ? 4.0 : 0.5));
  }
  return in;
}

TEST(Regimes, FindsTheCrossingsOnTheAxisThatDecides) {
  SegmentationInput in = three_regimes();
  Segmentation seg = segment(in);
  EXPECT_EQ(seg.key.label(), "N");
  ASSERT_EQ(seg.regimes.size(), 3u);
  EXPECT_EQ(seg.regimes[0].variant, 0u);
  EXPECT_EQ(seg.regimes[1].variant, 1u);
  EXPECT_EQ(seg.regimes[2].variant, 2u);
  EXPECT_FALSE(seg.regimes.back().below.has_value());
  // Every tuned shape goes to its per-shape best variant: no regret.
  for (size_t w = 0; w < in.shapes.size(); ++w) {
    size_t best = 0;
    for (size_t v = 1; v < 3; ++v)
      if (in.latency_ms[v][w] < in.latency_ms[best][w]) best = v;
    EXPECT_EQ(seg.variant_for(in.shapes[w]), best) << "shape " << w;
  }
  EXPECT_NEAR(seg.regret, 0.0, 1e-12);
  EXPECT_NEAR(seg.geomean_ms, seg.oracle_geomean_ms, 1e-12);
}

TEST(Regimes, TheBoundOnSpecialistsIsHonouredAndRegretReported) {
  SegmentationInput in = three_regimes();
  in.max_regimes = 2;
  Segmentation seg = segment(in);
  EXPECT_LE(seg.specialists().size(), 2u);
  EXPECT_GT(seg.regret, 0.0);
  in.max_regimes = 1;
  Segmentation one = segment(in);
  ASSERT_EQ(one.regimes.size(), 1u);
  EXPECT_GE(one.regret, seg.regret);
}

TEST(Regimes, ADerivedSizeKeyWinsWhenOnlyTheProductDecides) {
  // Variant 0 wins below M*N = 2^16, variant 1 above, whatever M and N are separately.
  SegmentationInput in;
  in.var_axes = {"M", "N"};
  std::mt19937 rng(7);
  for (int64_t m = 1; m <= 512; m *= 2)
    for (int64_t n = 64; n <= 65536; n *= 4) in.shapes.push_back({{"M", m}, {"N", n}});
  in.latency_ms.assign(2, {});
  for (const Shape& s : in.shapes) {
    const double size = static_cast<double>(s.at("M") * s.at("N"));
    in.latency_ms[0].push_back(size < 65536 ? 1.0 : 3.0);
    in.latency_ms[1].push_back(size < 65536 ? 2.0 : 1.0);
  }
  Segmentation seg = segment(in);
  EXPECT_EQ(seg.key.label(), "M*N");
  ASSERT_EQ(seg.regimes.size(), 2u);
  EXPECT_NEAR(seg.regret, 0.0, 1e-12);
  EXPECT_EQ(seg.variant_for({{"M", 1}, {"N", 1000}}), 0u);  // unseen shapes fall in a regime too
  EXPECT_EQ(seg.variant_for({{"M", 1000}, {"N", 1000}}), 1u);
}

TEST(Regimes, AVariantThatFailsAShapeIsNeverChosenForIt) {
  SegmentationInput in;
  in.var_axes = {"N"};
  in.shapes = {{{"N", 10}}, {{"N", 100}}, {{"N", 1000}}};
  in.latency_ms = {{1.0, kInf, 1.0}, {2.0, 2.0, 2.0}};  // the fast one fails at N = 100
  Segmentation seg = segment(in);
  EXPECT_EQ(seg.variant_for(in.shapes[1]), 1u);
  EXPECT_TRUE(std::isfinite(seg.geomean_ms));
}

TEST(Regimes, AShapeNoVariantPassesIsAClearError) {
  SegmentationInput in;
  in.var_axes = {"N"};
  in.shapes = {{{"N", 10}}, {{"N", 100}}};
  in.latency_ms = {{1.0, kInf}, {1.0, kInf}};
  try {
    segment(in);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("N=100"), std::string::npos) << e.what();
  }
}

TEST(Regimes, GainsWithinTheTieToleranceDoNotBuyMoreRegimes) {
  // Two variants that trade places by 0.2 % from shape to shape: splitting gains less than the
  // 0.5 % tolerance, so one regime is kept; at 20 % the split is worth it.
  for (double gap : {0.002, 0.2}) {
    SegmentationInput in;
    in.var_axes = {"N"};
    in.latency_ms.assign(2, {});
    for (int64_t n = 1, i = 0; n < 100000; n *= 3, ++i) {
      in.shapes.push_back({{"N", n}});
      in.latency_ms[0].push_back(i < 5 ? 1.0 : 1.0 + gap);
      in.latency_ms[1].push_back(i < 5 ? 1.0 + gap : 1.0);
    }
    Segmentation seg = segment(in);
    EXPECT_EQ(seg.regimes.size(), gap < 0.005 ? 1u : 2u) << "gap " << gap;
  }
}

}  // namespace
// Real measurements of kda tune runs of the topk CUDA example on an H100 (src/tune/testdata/):
// h100_topk_sweep.json (rows up to 256): fitted on training cost alone, it gave 4 regimes on M*K
// with 1 % predicted regret that bought nothing on the hidden shapes; h100_topk_prefill_sweep.json
// adds prefill-like batches (M up to 2048), where splitting a row pays only when the rows are few
// and long, so no single key describes the regimes. Whatever is chosen must do at least as well
// as the best single variant on the hidden shapes, which it never saw; on the prefill sweep it
// must beat it clearly and come within 5 % of the per-shape oracle.
class RealSweep : public ::testing::TestWithParam<const char*> {};

TEST_P(RealSweep, TheRouterDoesNotLoseToTheBestSingleVariantOnUnseenShapes) {
  const std::filesystem::path file = std::filesystem::path(KDA_SOURCE_DIR) / "src/tune/testdata" / GetParam();
  const Json data = parse_json(read_file(file), file.string());
  auto rows = [](const Json& split, std::vector<Shape>& shapes) {
    std::vector<std::vector<double>> ms;
    for (const Json& w : split) {
      shapes.push_back(w["shape"].get<Shape>());
      ms.resize(w["ms"].size());
      for (size_t v = 0; v < w["ms"].size(); ++v) ms[v].push_back(w["ms"][v].is_null() ? kInf : w["ms"][v].get<double>());
    }
    return ms;
  };
  SegmentationInput in;
  in.var_axes = {"M", "N", "K"};
  in.latency_ms = rows(data["public"], in.shapes);
  std::vector<Shape> hidden;
  const auto hidden_ms = rows(data["hidden"], hidden);
  const Segmentation seg = segment(in);

  auto log_geomean = [&](auto pick) {
    double sum = 0;
    for (size_t w = 0; w < hidden.size(); ++w) sum += std::log(hidden_ms[pick(w)][w]);
    return sum / static_cast<double>(hidden.size());
  };
  // The best single variant: the lowest public geomean.
  size_t single = 0;
  double single_public = kInf;
  for (size_t v = 0; v < in.latency_ms.size(); ++v) {
    double sum = 0;
    for (double x : in.latency_ms[v]) sum += std::log(x);
    if (sum < single_public) single_public = sum, single = v;
  }
  const double router = log_geomean([&](size_t w) { return seg.variant_for(hidden[w]); });
  const double best_single = log_geomean([&](size_t) { return single; });
  // The first sweep's measurements were noisy (two evaluations of the same code differed by
  // 7.5 % in the median, --min-samples 5): there "no worse than one variant" is judged within 2 %.
  const double noise = std::string(GetParam()) == "h100_topk_sweep.json" ? std::log(1.02) : 0.0;
  EXPECT_LE(router, best_single + noise + 1e-9) << "router " << std::exp(router) << " ms vs best single "
                                                << std::exp(best_single) << " ms; " << seg.leaves() << " regimes on "
                                                << seg.key.label();
  const double oracle = log_geomean([&](size_t w) {
    size_t b = 0;
    for (size_t v = 0; v < hidden_ms.size(); ++v) b = hidden_ms[v][w] < hidden_ms[b][w] ? v : b;
    return b;
  });
  std::printf("%zu regimes on %s%s: hidden geomean %.4f ms, best single %.4f ms, oracle %.4f ms\n", seg.leaves(),
              seg.key.label().c_str(), seg.is_tree() ? " (tree)" : "", std::exp(router), std::exp(best_single),
              std::exp(oracle));
  EXPECT_GT(seg.held_out_geomean_ms, 0.0);
  EXPECT_GE(seg.held_out_geomean_ms, seg.geomean_ms - 1e-12);  // held out never beats fitted
  if (std::string(GetParam()) == "h100_topk_prefill_sweep.json") {
    EXPECT_GT(std::exp(best_single - router), 1.15) << "distinct regimes: the router must clearly beat one variant";
    EXPECT_LT(std::exp(router - oracle), 1.05) << "within 5 % of the per-shape oracle on unseen shapes";
  }
}

INSTANTIATE_TEST_SUITE_P(H100, RealSweep, ::testing::Values("h100_topk_sweep.json", "h100_topk_prefill_sweep.json"));

}  // namespace kda
