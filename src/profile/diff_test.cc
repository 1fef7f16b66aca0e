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

}  // namespace
}  // namespace kda::profile
