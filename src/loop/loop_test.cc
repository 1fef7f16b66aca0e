#include <gtest/gtest.h>

#include "core/error.h"
#include "core/fs.h"
#include "loop/journal.h"
#include "loop/plan.h"
#include "loop/research.h"

namespace kda::loop {

TEST(Plan, DefaultPlanRoundTripsAndRendersItsCriteria) {
  Plan p = default_plan();
  ASSERT_EQ(p.tasks.size(), 1u);
  Plan again = parse_plan(to_json(p), "again");
  EXPECT_EQ(to_json(again), to_json(p));
  std::string md = to_markdown(p, "rmsnorm");
  EXPECT_NE(md.find("status == PASSED on all hidden workloads"), std::string::npos) << md;
  EXPECT_NE(md.find("geomean_speedup(hidden) >= 1.05"), std::string::npos) << md;
}

TEST(Plan, BadPlansNameTheFieldAndWhatWasExpected) {
  auto err = [](const std::string& text) -> std::string {
    try {
      parse_plan(parse_json(text, "p.json"), "p.json");
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      return e.what();
    }
    return "(accepted)";
  };
  EXPECT_NE(err(R"({"tasks":[]})").find("schema_version"), std::string::npos);
  EXPECT_NE(err(R"({"schema_version":1,"tasks":[]})").find("tasks"), std::string::npos);
  EXPECT_NE(err(R"({"schema_version":1,"tasks":[{"id":"a","goal":"g","criteria":[]}]})").find("tasks[0].criteria"), std::string::npos);
  EXPECT_NE(err(R"({"schema_version":1,"tasks":[{"id":"a","goal":"g","criteria":[{"metric":"speed"}]}]})").find("tasks[0].criteria[0].metric"), std::string::npos);
  EXPECT_NE(err(R"({"schema_version":1,"tasks":[{"id":"a","goal":"g","criteria":[{"metric":"geomean_speedup","value":-1}]}]})").find("positive"), std::string::npos);
  EXPECT_NE(err(R"({"schema_version":1,"tasks":[{"id":"a","goal":"g","criteria":[{"metric":"all_passed"}]},{"id":"a","goal":"g","criteria":[{"metric":"all_passed"}]}]})").find("duplicate"), std::string::npos);
}

TEST(Plan, TaskIdsThatAreNotPlainNamesAreRefused) {
  for (const std::string& id : std::vector<std::string>{"/tmp/x", "../..", "..", ".", "a/b", "", " T1", "T1\n", std::string(65, 'a'), ".hidden"}) {
    Json plan = parse_json(R"({"schema_version":1,"tasks":[{"goal":"g","criteria":[{"metric":"all_passed"}]}]})", "p");
    plan["tasks"][0]["id"] = id;
    try {
      parse_plan(plan, "p.json");
      ADD_FAILURE() << "accepted task id '" << id << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      EXPECT_NE(std::string(e.what()).find("tasks[0].id"), std::string::npos) << e.what();
    }
  }
  for (const std::string& id : std::vector<std::string>{"T1", "rmsnorm-fast_v2.1", std::string(64, 'a')}) EXPECT_TRUE(is_safe_task_id(id)) << id;
}

Trace trace(Split split, Status st, double speedup) {
  Trace t;
  t.workload.split = split;
  t.status = st;
  if (st == Status::kPassed) {
    Performance p;
    p.speedup_factor = speedup;
    t.performance = p;
  }
  return t;
}

TEST(Plan, CriteriaAreEvaluatedOnTheHiddenTracesOnly) {
  Plan p = default_plan();
  std::vector<Trace> good = {trace(Split::kPublic, Status::kPassed, 0.5), trace(Split::kHidden, Status::kPassed, 1.2),
                             trace(Split::kHidden, Status::kPassed, 1.5)};
  for (auto& c : evaluate(p.tasks[0], good)) EXPECT_TRUE(c.holds) << c.criterion;
  // One hidden failure: nothing holds, however fast the rest is.
  std::vector<Trace> bad = good;
  bad.push_back(trace(Split::kHidden, Status::kIncorrectNumerical, 0));
  for (auto& c : evaluate(p.tasks[0], bad)) EXPECT_FALSE(c.holds) << c.criterion;
  // Fast in public, slow in hidden: the speedup criterion fails.
  std::vector<Trace> slow = {trace(Split::kPublic, Status::kPassed, 9), trace(Split::kHidden, Status::kPassed, 1.0)};
  auto r = evaluate(p.tasks[0], slow);
  EXPECT_TRUE(r[0].holds);
  EXPECT_FALSE(r[1].holds);
  EXPECT_DOUBLE_EQ(r[1].measured, 1.0);
}

TEST(Journal, StepsSurviveReopeningAndAreNeverRecordedTwiceDifferently) {
  TempDir d("kda-journal-test");
  {
    Journal j(d.path() / "journal.sqlite");
    j.put("T1/1/write", "write", {{"commit", "abc"}});
    j.put("T1/1/write", "write", {{"commit", "abc"}});  // the same result again: idempotent
    EXPECT_THROW(j.put("T1/1/write", "write", {{"commit", "other"}}), Error);
  }
  Journal j(d.path() / "journal.sqlite");
  ASSERT_TRUE(j.get("T1/1/write"));
  EXPECT_EQ((*j.get("T1/1/write"))["commit"], "abc");
  EXPECT_FALSE(j.get("T1/1/check"));
  ASSERT_EQ(j.steps().size(), 1u);
}

TEST(Research, TheBuiltInAnalystSendsBackWhatKdaCannotHoldAWriterTo) {
  TaskDir task;
  Workload pub, hid;
  pub.split = Split::kPublic;
  hid.split = Split::kHidden;
  task.workloads = {pub, hid};
  Json approve = review_plan(default_plan(), task);
  EXPECT_EQ(approve["verdict"], "APPROVE") << approve.dump();
  EXPECT_TRUE(approve["open_decisions"].empty());

  Plan weak = parse_plan(parse_json(R"({"schema_version":1,"tasks":[
      {"id":"T1","goal":"g","criteria":[{"metric":"geomean_speedup","op":">=","value":0.8,"split":"public"}]},
      {"id":"T2","goal":"g","review_required":false,"criteria":[{"metric":"all_passed","value":true}]}]})", "weak"), "weak");
  Json r = review_plan(weak, task);
  EXPECT_EQ(r["verdict"], "REVISE");
  const std::string issues = r["issues"].dump();
  EXPECT_NE(issues.find("T1: no criterion is checked on hidden workloads"), std::string::npos) << issues;
  EXPECT_NE(issues.find("T1: no all_passed criterion"), std::string::npos) << issues;
  EXPECT_NE(issues.find("slower than the baseline"), std::string::npos) << issues;
  EXPECT_EQ(issues.find("T2"), std::string::npos) << "T2 is well-formed: " << issues;
  EXPECT_NE(r["open_decisions"].dump().find("T2 passes without a verifier review"), std::string::npos);

  // "all_passed == false" is no correctness criterion, whatever plan.md would have said.
  Plan lax = parse_plan(parse_json(R"({"schema_version":1,"tasks":[{"id":"T1","goal":"g","criteria":[
      {"metric":"all_passed","value":false},{"metric":"geomean_speedup","op":">=","value":1.1}]}]})", "lax"), "lax");
  Json l = review_plan(lax, task);
  EXPECT_EQ(l["verdict"], "REVISE");
  EXPECT_NE(l["issues"].dump().find("no all_passed criterion"), std::string::npos) << l.dump();
  EXPECT_NE(lax.tasks[0].criteria[0].describe().find("false"), std::string::npos) << lax.tasks[0].criteria[0].describe();

  // Without hidden workloads nothing the writer cannot see exists: that is the person's call.
  task.workloads = {pub};
  EXPECT_NE(review_plan(default_plan(), task)["open_decisions"].dump().find("no hidden workloads"), std::string::npos);
}

}  // namespace kda::loop
