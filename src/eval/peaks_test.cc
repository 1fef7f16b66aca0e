#include "eval/peaks.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "core/fs.h"

namespace kda {
namespace {

// Each test gets a private cache directory (the peaks live in cache_dir()/devices/).
class PeaksCache : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("KDA_CACHE_DIR", dir_.path().c_str(), 1); }
  void TearDown() override { ::unsetenv("KDA_CACHE_DIR"); }
  TempDir dir_{"kda-peaks-test"};
  const Json device_ = {{"backend", "cpu"}, {"name", "test cpu"}, {"driver", "none"}};
};

Json rates(double gbs, double gflops) { return {{"copy_bandwidth_gbs", gbs}, {"fma_gflops", gflops}}; }

TEST_F(PeaksCache, FirstUseMeasuresAndLaterUsesReadTheCache) {
  int measured = 0;
  Peaks p = load_or_measure_peaks(device_, [&] { ++measured; return rates(16, 5); });
  EXPECT_EQ(measured, 1);
  EXPECT_DOUBLE_EQ(p.bandwidth_gbs, 16);
  p = load_or_measure_peaks(device_, [&] { ++measured; return rates(99, 99); });
  EXPECT_EQ(measured, 1);
  EXPECT_DOUBLE_EQ(p.gflops, 5);
}

// The busy-machine case of issue 14 §3: a calibration made under load (16 GB/s, 5 GFLOP/s) is
// replaced, figure by figure, by a higher fresh one; a lower fresh one never replaces it.
TEST_F(PeaksCache, AFreshHigherFigureReplacesTheCachedOneAndALowerOneNever) {
  load_or_measure_peaks(device_, [] { return rates(16, 5); });
  Peaks p = remeasure_peaks(device_, [] { return rates(24, 3); });
  EXPECT_DOUBLE_EQ(p.bandwidth_gbs, 24);  // rose
  EXPECT_DOUBLE_EQ(p.gflops, 5);          // the fresh 3 was lower: the cached 5 stays
  p = load_or_measure_peaks(device_, [] { return rates(0, 0); });
  EXPECT_DOUBLE_EQ(p.bandwidth_gbs, 24) << "the higher figure was written back to the cache";
  p = remeasure_peaks(device_, [] { return rates(1, 1); });
  EXPECT_DOUBLE_EQ(p.bandwidth_gbs, 24);
  EXPECT_DOUBLE_EQ(p.gflops, 5);
}

TEST_F(PeaksCache, ADamagedCacheEntryIsMeasuredAgain) {
  load_or_measure_peaks(device_, [] { return rates(16, 5); });
  for (auto& e : std::filesystem::directory_iterator(dir_.path() / "devices")) write_file_atomic(e.path(), "{ not json");
  Peaks p = load_or_measure_peaks(device_, [] { return rates(20, 6); });
  EXPECT_DOUBLE_EQ(p.bandwidth_gbs, 20);
}

// The datasheet is the ceiling only for what no calibration measured: a measured bandwidth is
// kept as measured, a missing one is the datasheet's (AMD devices; NVIDIA's are not in the table).
TEST_F(PeaksCache, DatasheetFillsOnlyWhatTheCalibrationLacks) {
  const Json mi300x = {{"backend", "hip"}, {"name", "AMD Instinct MI300X"}, {"driver", "HIP driver 60342134"}};
  Peaks p = load_or_measure_peaks(mi300x, [] { return Json{{"fma_gflops", 120000.0}}; });
  EXPECT_DOUBLE_EQ(p.bandwidth_gbs, 5300);
  EXPECT_DOUBLE_EQ(p.gflops, 120000);
  const Json mi355x = {{"backend", "hip"}, {"name", "AMD Instinct MI355X"}, {"driver", "HIP driver 1"}};
  p = load_or_measure_peaks(mi355x, [] { return Json{{"copy_bandwidth_gbs", 6100.0}}; });
  EXPECT_DOUBLE_EQ(p.bandwidth_gbs, 6100);
  EXPECT_DOUBLE_EQ(p.gflops, 10066.3e3);
  EXPECT_EQ(datasheet_peaks("NVIDIA H200"), nullptr);
  ASSERT_NE(datasheet_peaks("AMD Instinct MI250X / MI250"), nullptr);
  EXPECT_DOUBLE_EQ(datasheet_peaks("AMD Instinct MI325X")->hbm_gbs, 6000);
}

}  // namespace
}  // namespace kda
