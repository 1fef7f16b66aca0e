#include "agents/agent.h"

#include <gtest/gtest.h>

namespace kda::agents {
namespace {

TEST(Usage, RoundTripsThroughJsonAndSums) {
  Usage a{1200, 300, 0.75};
  const Usage back = usage_from_json(usage_json(a));
  EXPECT_EQ(back.prompt_tokens, 1200);
  EXPECT_EQ(back.completion_tokens, 300);
  EXPECT_DOUBLE_EQ(back.cost_usd, 0.75);
  a += Usage{100, 50, 0.25};
  EXPECT_EQ(a.tokens(), 1650);
  EXPECT_DOUBLE_EQ(a.cost_usd, 1.0);
  // What an older journal step or a missing record holds counts as nothing spent.
  EXPECT_EQ(usage_from_json(Json::object()).tokens(), 0);
  EXPECT_EQ(usage_from_json(Json()).tokens(), 0);
}

TEST(Usage, ABudgetIsReachedOnlyWhenSetAndMet) {
  const Usage spent{900, 100, 2.0};
  EXPECT_FALSE(budget_reached(spent, 0, 0));        // no budget
  EXPECT_TRUE(budget_reached(spent, 1000, 0));      // tokens: exactly at the limit
  EXPECT_FALSE(budget_reached(spent, 1001, 0));
  EXPECT_TRUE(budget_reached(spent, 0, 2.0));       // cost at the limit
  EXPECT_FALSE(budget_reached(spent, 5000, 2.5));   // neither reached
  EXPECT_TRUE(budget_reached(spent, 5000, 1.5));    // either one suffices
}

}  // namespace
}  // namespace kda::agents
