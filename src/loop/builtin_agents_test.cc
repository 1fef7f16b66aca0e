// The built-in agents on their own: the search writer's order with and without findings, and the
// rule verifier's refusal of claims a profile contradicts (each through its real Agent::run on
// real files).
#include <gtest/gtest.h>

#include "core/fs.h"
#include "loop/builtin_agents.h"

namespace kda::loop {
namespace {

const Json kSpace = {{"BLOCK", {64, 128, 256}}, {"UNROLL", {1, 2, 4}}, {"ALGO", {0, 1}}};
const Json kDefaults = {{"ALGO", 0}, {"BLOCK", 64}, {"UNROLL", 1}};

Json finding(const std::string& category, double gain) {
  return {{"id", "finding:k/" + category}, {"kernel", "k"}, {"category", category}, {"estimated_speedup", gain},
          {"share_of_time", 1.0}};
}

TEST(SearchWriter, WithoutFindingsItWalksTheDeclaredOrderAsBefore) {
  Json tried = Json::array();
  std::vector<Json> seen;
  for (int i = 0; i < 4; ++i) {
    WriterChoice c = choose_variant(kDefaults, kSpace, tried, Json::array());
    ASSERT_FALSE(c.params.is_null());
    EXPECT_TRUE(c.reasons.empty());
    seen.push_back(c.params);
    tried.push_back({{"params", c.params}, {"geomean_speedup", 1.0}, {"passed", true}});
  }
  const std::vector<Json> order = variants(kDefaults, kSpace);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], order[i]) << i;
}

TEST(SearchWriter, AnOccupancyFindingMovesTheBlockSizeFirstAndSaysWhy) {
  const Json tried = Json::array({{{"round", 1}, {"params", kDefaults}, {"geomean_speedup", 1.1}, {"passed", true}}});
  WriterChoice c = choose_variant(kDefaults, kSpace, tried, Json::array({finding("occupancy-block-size", 30)}));
  EXPECT_EQ(c.params["BLOCK"], 128) << c.params.dump();
  EXPECT_EQ(c.params["UNROLL"], 1);
  EXPECT_EQ(c.params["ALGO"], 0);
  ASSERT_EQ(c.reasons.size(), 1u);
  EXPECT_EQ(c.reasons[0]["finding"], "finding:k/occupancy-block-size");
  EXPECT_EQ(c.reasons[0]["param"], "BLOCK");
  EXPECT_NE(c.why.find("finding:k/occupancy-block-size points to BLOCK"), std::string::npos) << c.why;
  // Without the finding, the declared order changes the last declared tunable first.
  EXPECT_EQ(choose_variant(kDefaults, kSpace, tried, Json::array()).params,
            (Json{{"ALGO", 1}, {"BLOCK", 64}, {"UNROLL", 1}}));
}

TEST(SearchWriter, ALatencyFindingStartsFromTheBestMeasuredVariant) {
  const Json best = {{"ALGO", 1}, {"BLOCK", 256}, {"UNROLL", 1}};
  const Json tried = Json::array({{{"round", 1}, {"params", kDefaults}, {"geomean_speedup", 1.1}, {"passed", true}},
                                  {{"round", 2}, {"params", best}, {"geomean_speedup", 1.6}, {"passed", true}},
                                  {{"round", 3}, {"params", {{"ALGO", 1}, {"BLOCK", 64}, {"UNROLL", 1}}}, {"geomean_speedup", 9.0}, {"passed", false}}});
  WriterChoice c = choose_variant(kDefaults, kSpace, tried, Json::array({finding("dependency-stall", 20)}));
  EXPECT_EQ(c.params, (Json{{"ALGO", 1}, {"BLOCK", 256}, {"UNROLL", 2}})) << c.params.dump();
  EXPECT_NE(c.why.find("round 2"), std::string::npos) << c.why;
}

class RuleVerifierTest : public ::testing::Test {
 protected:
  TempDir dir{"kda-rule-verifier"};
  Json verdict(const Json& claims, const Json& profile) {
    Json ev = {{"diff_files", Json::array({"solution/solution.json"})}, {"claims", claims}, {"integrity_ok", true},
               {"checks", {{"rejected", false}, {"criteria", Json::array({{{"criterion", "all_passed"}, {"holds", true}}})},
                           {"traces", Json::array()}, {"geomean_speedup_hidden", 1.2}}},
               {"profile", profile}};
    write_file_atomic(dir.path() / "evidence.json", ev.dump());
    agents::AgentRequest req;
    req.role = agents::Role::kVerifier;
    req.workspace = dir.path();
    req.transcript_dir = dir.path() / "t";
    agents::AgentResult r = make_rule_verifier()->run(req);
    EXPECT_TRUE(r.ok()) << r.error;
    return parse_json(r.final_message, "verdict");
  }
  static Json profile(double dram, double sm) {
    return {{"status", "profiled"},
            {"kernels", Json::array({{{"kernel", "k"}, {"dram_pct", dram}, {"sm_pct", sm}, {"mem_pct", dram}}})},
            {"findings", Json::array({{{"id", "finding:k/dram-bound"}, {"kernel", "k"}, {"category", "dram-bound"},
                                       {"severity", "medium"}}})}};
  }
};

TEST_F(RuleVerifierTest, ComputeBoundClaimAgainstDramAtNinetyPercentFailsCitingTheFinding) {
  Json v = verdict({{"bound", "compute"}}, profile(90, 20));
  EXPECT_EQ(v["verdict"], "FAIL") << v.dump();
  ASSERT_EQ(v["reasons"].size(), 1u) << v.dump();
  EXPECT_EQ(v["reasons"][0]["evidence"], "finding:k/dram-bound");
  EXPECT_NE(v["reasons"][0]["reason"].get<std::string>().find("DRAM at 90.0%"), std::string::npos) << v.dump();
}

TEST_F(RuleVerifierTest, ClaimsTheProfileSupportsPassAndCiteTheirEvidence) {
  Json v = verdict({{"bound", "memory"}}, profile(90, 20));
  EXPECT_EQ(v["verdict"], "PASS") << v.dump();
  EXPECT_NE(v.dump().find("criterion:0"), std::string::npos) << v.dump();
  EXPECT_NE(v.dump().find("finding:k/dram-bound"), std::string::npos) << v.dump();
}

TEST_F(RuleVerifierTest, AResolvedClaimTheProfileStillShowsFails) {
  Json v = verdict({{"resolved", {"dram-bound"}}}, profile(90, 20));
  EXPECT_EQ(v["verdict"], "FAIL") << v.dump();
  EXPECT_EQ(v["reasons"][0]["evidence"], "finding:k/dram-bound");
}

TEST_F(RuleVerifierTest, WithoutAProfileSuchClaimsAreUncheckedNotFailed) {
  Json v = verdict({{"bound", "compute"}}, nullptr);
  EXPECT_EQ(v["verdict"], "PASS") << v.dump();
  EXPECT_NE(v["requests"].dump().find("not checked"), std::string::npos) << v.dump();
}

}  // namespace
}  // namespace kda::loop
