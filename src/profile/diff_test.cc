// Acceptance 3: transpose_conflicts -> transpose_padded reports the bank-conflict finding
// resolved and the duration change; details.csv against second_details.csv matches the common
// kernels.
#include <algorithm>

#include <gtest/gtest.h>

#include "core/error.h"
#include "profile/diff.h"
#include "profile/report.h"
#include "profile/test_util.h"

namespace kda::profile {
namespace {

using testing::h100_dir;

TEST(Diff, BankConflictFixIsReportedResolved) {
  KDA_REQUIRE_H100_FIXTURES();
  Report r = load_report({h100_dir()});
  ReportDiff d = diff_reports(select_kernels(r, "transpose_conflicts"), select_kernels(r, "transpose_padded"));
  ASSERT_EQ(d.matched.size(), 1u);
  const KernelDiff& k = d.matched[0];
  EXPECT_NE(std::find(k.resolved.begin(), k.resolved.end(), "shared-bank-conflict"), k.resolved.end());
  EXPECT_DOUBLE_EQ(k.duration_a_ns, 9664);
  EXPECT_DOUBLE_EQ(k.duration_b_ns, 6048);
  EXPECT_NEAR(k.duration_change_pct, -37.4, 0.1);
  auto conflicts = std::find_if(k.deltas.begin(), k.deltas.end(),
                                [](const MetricDelta& m) { return m.quantity == "shared_bank_conflicts"; });
  ASSERT_NE(conflicts, k.deltas.end());
  EXPECT_EQ(conflicts->direction, "better");
  EXPECT_NE(to_markdown(d).find("resolved findings: "), std::string::npos);
}

TEST(Diff, SecondReportMatchesTheCommonKernels) {
  KDA_REQUIRE_H100_FIXTURES();
  Report a = load_report({h100_dir() / "details.csv"});
  Report b = load_report({h100_dir() / "second_details.csv"});
  ReportDiff d = diff_reports(a, b);
  std::vector<std::string> names;
  for (const auto& m : d.matched) {
    EXPECT_EQ(m.name_a, m.name_b);
    EXPECT_GT(m.duration_a_ns, 0);
    EXPECT_GT(m.duration_b_ns, 0);
    names.push_back(m.name_a.substr(0, m.name_a.find('(')));
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"copy_coalesced", "copy_strided", "transpose_conflicts",
                                             "transpose_padded"}));
  EXPECT_EQ(d.only_a.size(), 11u);
  EXPECT_TRUE(d.only_b.empty());
}

TEST(Diff, UnknownKernelNameIsAnActionableError) {
  KDA_REQUIRE_H100_FIXTURES();
  Report r = load_report({h100_dir() / "second_details.csv"});
  try {
    select_kernels(r, "nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_NE(std::string(e.what()).find("copy_strided"), std::string::npos) << e.what();
  }
}

// Padding removed the wasted shared-memory wavefronts: the kernel got 37 % faster and its memory
// throughput % fell. That fall is not "worse": it is judged by percentage x duration, i.e. the
// memory work, which fell by 70 %. Issue slots busy is a % of active cycles: not judged.
TEST(Diff, ThroughputPercentagesAreJudgedByTheWorkTheyImply) {
  KDA_REQUIRE_H100_FIXTURES();
  Report r = load_report({h100_dir()});
  ReportDiff d = diff_reports(select_kernels(r, "transpose_conflicts"), select_kernels(r, "transpose_padded"));
  ASSERT_EQ(d.matched.size(), 1u);
  const KernelDiff& k = d.matched[0];
  ASSERT_LT(k.duration_change_pct, -30);
  auto delta = [&](const char* q) {
    auto it = std::find_if(k.deltas.begin(), k.deltas.end(), [&](const MetricDelta& m) { return m.quantity == q; });
    EXPECT_NE(it, k.deltas.end()) << q;
    return it == k.deltas.end() ? MetricDelta{} : *it;
  };
  MetricDelta mem = delta("mem_pct");
  EXPECT_LT(mem.change_pct, 0);
  EXPECT_EQ(mem.judged_by, "work");
  EXPECT_LT(mem.work_change_pct, -50);
  EXPECT_EQ(mem.direction, "better");
  MetricDelta issue = delta("issue_active_pct");
  EXPECT_EQ(issue.judged_by, "none");
  EXPECT_EQ(issue.direction, "unjudged");
  Json j = to_json(d);
  EXPECT_EQ(j["matched"][0]["metrics"][1]["quantity"], "mem_pct");
  EXPECT_EQ(j["matched"][0]["metrics"][1]["direction"], "better");
  EXPECT_NE(to_markdown(d).find("mem_pct: 47.38 -> 22.7 (-52.1%; x duration -70.0%, better)"), std::string::npos)
      << to_markdown(d);
}

// A quantity that was zero has no percentage change: the page says "from zero" instead of a
// figure like +19000000000000% (seen on an H200: stall.mio_throttle 0 -> 0.19).
TEST(Diff, AChangeFromZeroIsNamedNotGivenAPercentage) {
  Kernel a, b;
  a.name = b.name = "k";
  a.quantities = {{"duration_ns", 2000}, {"stall.mio_throttle", 0}, {"registers_per_thread", 32}};
  b.quantities = {{"duration_ns", 1000}, {"stall.mio_throttle", 0.19}, {"registers_per_thread", 40}};
  ReportDiff d;
  d.matched.push_back(diff_kernels(a, b));
  const std::string md = to_markdown(d);
  EXPECT_NE(md.find("stall.mio_throttle: 0 -> 0.19 (from zero, worse)"), std::string::npos) << md;
  EXPECT_NE(md.find("registers_per_thread: 32 -> 40 (+25.0%, worse)"), std::string::npos) << md;
}

}  // namespace
}  // namespace kda::profile
