#include "task/trace.h"

#include <gtest/gtest.h>

#include "core/error.h"
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
  // Against the baseline under kda; flashinfer-bench's figures are against the reference, which
  // was not timed here.
  EXPECT_EQ(j["kda"]["performance"]["baseline_speedup_factor"], 2.0);
  EXPECT_EQ(j["kda"]["performance"]["baseline_latency_ms"], 4.0);
  EXPECT_EQ(j["evaluation"]["performance"]["speedup_factor"], 0.0);
  EXPECT_EQ(j["evaluation"]["performance"]["reference_latency_ms"], 0.0);
  Trace back = parse_trace(j, "t");
  EXPECT_DOUBLE_EQ(back.performance->speedup_factor, 2);
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

namespace kda {

TEST(Trace, FlashinferBenchTraceLoadsUnchanged) {
  Trace t = parse_trace(parse_json(testdata::kTrace, "traces.jsonl:1"), "traces.jsonl:1");
  EXPECT_EQ(t.status, Status::kPassed);
  EXPECT_EQ(t.definition, "rmsnorm_h128");
  EXPECT_EQ(t.solution, "rmsnorm_cuda_v1");
  EXPECT_EQ(t.workload.axes.at("M"), 7);
  EXPECT_EQ(t.environment.hardware, "NVIDIA H100");
  ASSERT_TRUE(t.correctness && t.performance);
  EXPECT_DOUBLE_EQ(t.correctness->max_relative_error, 0.001);
  EXPECT_DOUBLE_EQ(t.performance->speedup_factor, 2.5);
  EXPECT_EQ(t.timestamp, "2025-06-01T12:00:00Z");
}

TEST(Trace, EveryFieldRoundTrips) {
  Trace t;
  t.definition = "d";
  t.solution = "s";
  t.workload = parse_workload(parse_json(testdata::kWorkloadLine, "w"), "w");
  t.status = Status::kPassed;
  t.log = "ok";
  t.reason_code = "none";
  t.reason = "r";
  t.correctness = Correctness{1, 2, 3, 4, 5, 6};
  t.performance = Performance{1.5, 0.1, 30, 3.0, 2.0, 0.004, 2, 0.5, 0.33, 1.7};
  t.environment = {"H100", "cuda", "nvcc 12.8", "570", "box"};
  t.provenance = {"dh", "sh", "bh", "rh", "wh", "eb", "commit", "seed"};
  t.timestamp = "2026-11-25T00:00:00Z";
  Trace b = parse_trace(to_json(t), "t");
  EXPECT_EQ(to_json(b).dump(), to_json(t).dump());
  EXPECT_EQ(b.performance->samples, 30);
  EXPECT_EQ(b.provenance.seed_commitment, "commit");
  EXPECT_EQ(b.environment.toolchain, "nvcc 12.8");
  EXPECT_EQ(b.correctness->elements_checked, 6);
  EXPECT_EQ(to_json(t)["kda"]["schema_version"], kTraceSchemaVersion);
}

TEST(Trace, RejectedCarriesItsReasonAndNothingElse) {
  Trace t;
  t.workload = parse_workload(parse_json(testdata::kWorkloadLine, "w"), "w");
  t.status = Status::kRejected;
  t.reason_code = "INPUT_MUTATED";
  t.reason = "input x changed during the call";
  t.correctness = Correctness{};
  t.performance = Performance{};
  Json j = to_json(t);
  // flashinfer-bench has no REJECTED: the nearest status it has, kda's own under "kda".
  EXPECT_EQ(j["evaluation"]["status"], "RUNTIME_ERROR");
  EXPECT_EQ(j["kda"]["status"], "REJECTED");
  EXPECT_EQ(j["kda"]["reason"], t.reason);
  EXPECT_FALSE(j["evaluation"].contains("correctness"));
  EXPECT_FALSE(j["evaluation"].contains("performance"));
  Trace b = parse_trace(j, "t");
  EXPECT_EQ(b.status, Status::kRejected);
  EXPECT_EQ(b.reason, t.reason);
  EXPECT_EQ(b.reason_code, "INPUT_MUTATED");
}

TEST(Trace, ParseErrors) {
  std::string bad = testdata::kTrace;
  bad.replace(bad.find("\"PASSED\""), 8, "\"GREAT\"");
  try {
    parse_trace(parse_json(bad, "t.jsonl:3"), "t.jsonl:3");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("evaluation.status"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_trace(parse_json(R"({"workload": {"uuid": "u", "axes": {}}})", "t"), "t"), Error);
  EXPECT_THROW(parse_trace(parse_json(R"({"workload": {"uuid": "u", "axes": {}}, "evaluation": {"status": "PASSED", "environment": {"hardware": 3}}})", "t"), "t"),
               Error);
}

}  // namespace kda
