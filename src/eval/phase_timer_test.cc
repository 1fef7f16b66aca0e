#include "eval/phase_timer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace kda {
namespace {

const PhaseRow* find(const std::vector<PhaseRow>& rows, const std::string& name) {
  for (const PhaseRow& r : rows)
    if (r.phase == name) return &r;
  return nullptr;
}

struct PhaseTimerTest : ::testing::Test {
  void SetUp() override {
    reset_phase_timers();
    enable_phase_timers(true);
  }
  void TearDown() override {
    enable_phase_timers(false);
    reset_phase_timers();
  }
};

TEST_F(PhaseTimerTest, NestedScopesAreExclusive) {
  double outer_total = 0;
  {
    const auto t0 = std::chrono::steady_clock::now();
    struct Total {
      std::chrono::steady_clock::time_point t0;
      double* out;
      ~Total() { *out = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
    } total{t0, &outer_total};
    PhaseScope outer("outer");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (int i = 0; i < 2; ++i) {
      PhaseScope inner("inner");
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
  }
  auto rows = phase_rows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].phase, "inner");  // the first to close is the first seen
  const PhaseRow* outer = find(rows, "outer");
  const PhaseRow* inner = find(rows, "inner");
  ASSERT_TRUE(outer && inner);
  EXPECT_EQ(outer->count, 1u);
  EXPECT_EQ(inner->count, 2u);
  EXPECT_GE(inner->seconds, 0.060);
  // The outer phase keeps its own 20 ms and not the 60 ms spent inside "inner": together they
  // are at most the outer scope's lifetime (measured around it), never the inner time twice.
  EXPECT_GE(outer->seconds, 0.020);
  EXPECT_LE(outer->seconds + inner->seconds, outer_total);
}

TEST_F(PhaseTimerTest, ClaimedTimeLeavesTheOpenScope) {
  {
    PhaseScope request("request");
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    claim_phase_time("calls", 0.030);
  }
  auto rows = phase_rows();
  const PhaseRow* request = find(rows, "request");
  const PhaseRow* calls = find(rows, "calls");
  ASSERT_TRUE(request && calls);
  EXPECT_DOUBLE_EQ(calls->seconds, 0.030);
  EXPECT_GE(request->seconds, 0.009);
  EXPECT_LE(request->seconds + calls->seconds, 0.040 + 5.0);  // only ever subtracts
}

TEST_F(PhaseTimerTest, DisabledScopesRecordNothing) {
  enable_phase_timers(false);
  { PhaseScope s("off"); }
  claim_phase_time("off too", 1.0);
  EXPECT_TRUE(phase_rows().empty());
}

TEST_F(PhaseTimerTest, ThreadsKeepTheirOwnNesting) {
  PhaseScope outer("main");
  std::thread t([] {
    PhaseScope other("worker");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  });
  t.join();
  // The worker's scope was not nested in "main": main's exclusive time is not reduced by it.
  auto rows = phase_rows();
  ASSERT_NE(find(rows, "worker"), nullptr);
  EXPECT_EQ(find(rows, "main"), nullptr);  // still open
}

TEST_F(PhaseTimerTest, TableHasSharesAndUnaccountedTime) {
  add_phase_time("builds", 1.0);
  add_phase_time("builds", 0.5);
  add_phase_time("input generation", 0.5);
  const std::string table = format_phase_table(phase_rows(), 4.0);
  EXPECT_NE(table.find("builds"), std::string::npos);
  EXPECT_NE(table.find("1.500"), std::string::npos);
  EXPECT_NE(table.find("37.5 %"), std::string::npos);  // 1.5 of 4 s
  EXPECT_NE(table.find("unaccounted"), std::string::npos);
  EXPECT_NE(table.find("2.000"), std::string::npos);  // 4 - 1.5 - 0.5
  EXPECT_NE(table.find("wall"), std::string::npos);
}

}  // namespace
}  // namespace kda
