#include "profile/timeline.h"

#include <gtest/gtest.h>

namespace kda::profile {
namespace {

TEST(Timeline, TailIsVisible) {
  // Busy for 80 samples, then one SM's worth of work for 20: the strip ends low.
  std::vector<double> v(100, 90);
  for (size_t i = 80; i < 100; ++i) v[i] = 5;
  Strip s = render_strip({{"pmsampling:sm__throughput.avg.pct_of_peak_sustained_elapsed", v}}, 20);
  ASSERT_EQ(s.text.size(), 20u);
  EXPECT_EQ(s.text.front(), '@');
  EXPECT_EQ(s.text.back(), '.');
  EXPECT_EQ(s.text.substr(0, 16), std::string(16, '@'));
  EXPECT_EQ(s.metric, "pmsampling:sm__throughput.avg.pct_of_peak_sustained_elapsed");
}

TEST(Timeline, NoSuitableSeriesGivesNoStrip) {
  EXPECT_TRUE(render_strip({{"lts__t_sector_hit_rate", {1, 2, 3, 4}}}).text.empty());
  EXPECT_TRUE(render_strip({{"sm__throughput", {0, 0, 0, 0}}}).text.empty());
}

}  // namespace
}  // namespace kda::profile
