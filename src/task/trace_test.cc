#include "task/trace.h"

#include <gtest/gtest.h>

#include "task/test_data.h"

namespace kda {

TEST(Trace, PassedCarriesCorrectnessAndPerformanceOthersDoNot) {
  Trace t;
  t.definition = "d";
  t.solution = "s";
  t.workload = parse_workload(parse_json(testdata::kWorkloadLine, "w"), "w");
  t.status = Status::kPassed;
  t.correctness = Correctness{.max_absolute_error = 0.5};
  t.performance = Performance{.latency_ms = 2, .reference_latency_ms = 4, .speedup_factor = 2};
  Json j = to_json(t);
  EXPECT_EQ(j["evaluation"]["performance"]["speedup_factor"], 2.0);
  Trace back = parse_trace(j, "t");
  EXPECT_EQ(back.status, Status::kPassed);
  EXPECT_DOUBLE_EQ(back.performance->latency_ms, 2);
  EXPECT_EQ(back.workload.uuid, "w-1");

  t.status = Status::kIncorrectNumerical;
  j = to_json(t);
  EXPECT_TRUE(j["evaluation"].contains("correctness"));
  EXPECT_FALSE(j["evaluation"].contains("performance"));
  t.status = Status::kTimeout;
  j = to_json(t);
  EXPECT_FALSE(j["evaluation"].contains("correctness"));
  EXPECT_FALSE(j["evaluation"].contains("performance"));
}

TEST(Trace, StatusNames) {
  for (auto s : {Status::kPassed, Status::kRejected, Status::kCompileError, Status::kTimeout})
    EXPECT_EQ(parse_status(to_string(s)), s);
  EXPECT_FALSE(parse_status("MAYBE").has_value());
}

}  // namespace kda
