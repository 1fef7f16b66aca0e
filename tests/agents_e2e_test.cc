// kda run with model-backed agents through the real binaries (issue 5): the writer is the
// OpenAI-compatible agent talking to a local mock server (cpp-httplib, in this process) that
// plays a model — it lists the candidate, changes a tunable, times it with the one `kda eval`
// command the round allows, and answers; the verifier is a command-line agent (a shell script)
// that tries to forge its evidence before it answers PASS and must be stopped by the sandbox.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <functional>

#include "agents/mock_chat_server.h"
#include "core/fs.h"
#include "tests/e2e_support.h"

namespace kda::e2e {
namespace fs = std::filesystem;
namespace {

// A model that answers each request with the next scripted turn, computed from the request (the
// allowed eval command line is read from the tool description the agent sent); 1,100 tokens each.
class MockModel : public agents::MockChatServer {
 public:
  using Turn = std::function<Json(const Json& request)>;
  explicit MockModel(const std::vector<Turn>& turns) {
    for (const Turn& t : turns) then(answer_from(t, 1000, 100));
  }
};

Json call(const std::string& id, const std::string& name, const Json& args) {
  return {{"role", "assistant"}, {"content", ""},
          {"tool_calls", {{{"id", id}, {"type", "function"}, {"function", {{"name", name}, {"arguments", args.dump()}}}}}}};
}

// The first allowed command line that mentions `word`, from the run tool's description.
std::string allowed_command(const Json& request, const std::string& word) {
  for (const Json& t : request["tools"]) {
    if (t["function"]["name"] != "run") continue;
    std::istringstream in(t["function"]["description"].get<std::string>());
    for (std::string line; std::getline(in, line);)
      if (line.rfind("- ", 0) == 0 && line.find(word) != std::string::npos) return line.substr(2);
  }
  return "(no allowed command with " + word + ")";
}

std::string tool_output(const Json& request, const std::string& id) {
  for (const Json& m : request["messages"])
    if (m.value("role", "") == "tool" && m.value("tool_call_id", "") == id) return m["content"];
  return "";
}

// An agents file (docs/agents.md) in `dir` naming `agents`; returns its path.
fs::path write_agents(const fs::path& dir, const Json& agents) {
  const fs::path file = dir / "agents.json";
  write_file_atomic(file, Json{{"kda_agents", 1}, {"agents", agents}}.dump());
  return file;
}

// A shell script that a command-line agent runs.
fs::path write_script(const fs::path& file, const std::string& body) {
  write_file_atomic(file, "#!/bin/sh\n" + body);
  ::chmod(file.c_str(), 0755);
  return file;
}

TEST(AgentsLoop, AModelWriterAndACommandLineVerifierCompleteATaskAndTheVerifierCannotForgeItsEvidence) {
  TempDir dir("kda-agents-e2e");
  const fs::path cache = dir.path() / "cache";
  fs::path task = init_task(dir.path(), "rmsnorm");
  keep_workloads(task, {"rmsnorm-m7-d4097-public", "rmsnorm-m33-d1023-hidden", "rmsnorm-m1-d7-hidden"});
  write_file_atomic(dir.path() / "plan.json",
                    R"({"schema_version":1,"tasks":[{"id":"T1","goal":"correct on every hidden workload",)"
                    R"("criteria":[{"metric":"all_passed","value":true}],"max_rounds":1}]})");

  MockModel model({
      [](const Json&) { return call("c1", "list_dir", {{"path", "solution"}}); },
      [](const Json&) { return call("c2", "read_file", {{"path", "solution/solution.json"}}); },
      [](const Json& req) {
        Json sol = Json::parse(tool_output(req, "c2"));
        sol["kda"]["params"]["ROW_SPLIT_MIN"] = 8192;
        return call("c3", "write_file", {{"path", "solution/solution.json"}, {"content", sol.dump(1)}});
      },
      [](const Json& req) { return call("c4", "run", {{"command", allowed_command(req, " eval ")}}); },
      [](const Json&) {
        return Json{{"role", "assistant"}, {"content", R"({"summary": "ROW_SPLIT_MIN 8192", "claims": {}, "exhausted": false})"}};
      },
  });
  const fs::path verifier = write_script(dir.path() / "verifier.sh",
                                         "echo '{\"forged\": true}' > evidence.json 2>/dev/null && echo FORGED >&2\n"
                                         "echo '{\"verdict\": \"PASS\", \"reasons\": [\"criteria hold in checks\"], \"requests\": []}'\n");
  const fs::path agents = write_agents(dir.path(), {{"mock-llm", {{"kind", "openai"}, {"base_url", model.base_url()}, {"model", "m"},
                                                                 {"stream", false}, {"max_retries", 1}, {"request_timeout_seconds", 60},
                                                                 {"usd_per_million_prompt_tokens", 1.0}}},
                                                    {"sh-verifier", {{"kind", "command"}, {"argv", {verifier.string()}}}}});

  const fs::path run = dir.path() / "run";
  auto r = kda({"run", task.string(), "--plan", (dir.path() / "plan.json").string(), "--accept-plan", "--run-dir", run.string(),
                "--writer", "mock-llm", "--verifier", "sh-verifier", "--agents", agents.string(),
                "--budget", "0.1", "--max-cost", "100"},
               cache);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // The model's changes are the round's commit, and its own timing run went through kda eval.
  const std::vector<Json> reqs = model.requests();
  ASSERT_EQ(reqs.size(), 5u);
  const std::string eval_out = tool_output(reqs.back(), "c4");
  EXPECT_NE(eval_out.find("exit 0"), std::string::npos) << eval_out;
  EXPECT_NE(eval_out.find("PASSED"), std::string::npos) << eval_out;
  EXPECT_EQ(eval_out.find("hidden"), std::string::npos) << "the writer's eval must not touch hidden workloads";
  EXPECT_EQ(read_json_file(run / "workspace/solution/solution.json")["kda"]["params"]["ROW_SPLIT_MIN"], 8192);

  // The verifier's write was refused; its PASS stands on the checks, and the task passed.
  const fs::path round = run / "rounds/T1/1";
  EXPECT_EQ(read_file(round / "evidence/evidence.json").find("forged"), std::string::npos);
  EXPECT_EQ(read_file(round / "verifier/stderr.txt").find("FORGED"), std::string::npos);
  EXPECT_EQ(read_json_file(round / "review.json")["verdict"], "PASS");
  Json status = parse_json(kda({"status", run.string(), "--json"}, cache).out, "status");
  EXPECT_EQ(status["tasks"][0]["status"], "PASSED") << status.dump();

  // The agents' specs are frozen into the run; usage is journaled; the audit chain verifies.
  const Json meta = read_json_file(run / "run.json");
  EXPECT_EQ(meta["agent_specs"]["mock-llm"]["base_url"], model.base_url());
  EXPECT_EQ(meta["agent_specs"]["sh-verifier"]["kind"], "command");
  EXPECT_TRUE(fs::exists(round / "transcript.jsonl"));
  EXPECT_EQ(kda({"audit", "verify", run.string()}, cache).exit_code, 0);
}

TEST(AgentsLoop, ACostBudgetStopsTheRunBeforeTheNextRound) {
  TempDir dir("kda-agents-e2e");
  const fs::path cache = dir.path() / "cache";
  fs::path task = init_task(dir.path(), "rmsnorm");
  keep_workloads(task, {"rmsnorm-m7-d4097-public", "rmsnorm-m33-d1023-hidden"});
  write_file_atomic(dir.path() / "plan.json",
                    R"({"schema_version":1,"stall_rounds":9,"escalate_after":9,"tasks":[{"id":"T1","goal":"impossible",)"
                    R"("criteria":[{"metric":"geomean_speedup","op":">=","value":1000}],"max_rounds":4}]})");
  // Each answer reports 1,100 tokens; at 1000 $ per million prompt tokens one round costs 1 $.
  auto answer = [](const Json&) { return Json{{"role", "assistant"}, {"content", R"({"summary": "nothing", "claims": {}})"}}; };
  MockModel model({answer, answer, answer, answer});
  const fs::path agents = write_agents(dir.path(), {{"pricey", {{"kind", "openai"}, {"base_url", model.base_url()}, {"model", "m"},
                                                               {"stream", false}, {"usd_per_million_prompt_tokens", 1000.0}}}});
  const fs::path run = dir.path() / "run";
  auto r = kda({"run", task.string(), "--plan", (dir.path() / "plan.json").string(), "--accept-plan", "--run-dir", run.string(),
                "--writer", "pricey", "--agents", agents.string(), "--budget", "0.1", "--max-cost", "1.5"},
               cache);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(model.requests().size(), 2u) << "two rounds (1 $ each) reach the 1.5 $ budget; a third must not start";
  EXPECT_NE(read_file(run / "audit.jsonl").find("budget_exhausted"), std::string::npos);

  // An unknown agent name is a usage error that lists the known ones.
  auto bad = kda({"run", task.string(), "--writer", "nobody", "--agents", agents.string()}, cache);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("pricey"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("claude"), std::string::npos) << bad.err;
}

// The research stage with a model writer (issue 5): it times the start candidate with its one
// allowed eval command, proposes a plan that the built-in analyst sends back (nothing checked on
// hidden workloads), then proposes one the analyst approves; the run freezes that plan and runs it.
// The task sits under a directory with a space in its name: the allowed command must still work.
TEST(AgentsLoop, ResearchAModelWriterRevisesItsPlanUntilTheAnalystApproves) {
  TempDir dir("kda-agents-e2e");
  const fs::path cache = dir.path() / "cache";
  fs::create_directories(dir.path() / "my tasks");
  fs::path task = init_task(dir.path() / "my tasks", "rmsnorm");
  keep_workloads(task, {"rmsnorm-m7-d4097-public", "rmsnorm-m33-d1023-hidden"});
  const Json public_only = {{"schema_version", 1},
                            {"tasks", {{{"id", "T1"}, {"goal", "faster"}, {"max_rounds", 1},
                                        {"criteria", {{{"metric", "geomean_speedup"}, {"op", ">="}, {"value", 1.01}, {"split", "public"}}}}}}}};
  const Json on_hidden = {{"schema_version", 1},
                          {"tasks", {{{"id", "T1"}, {"goal", "correct on every hidden workload"}, {"max_rounds", 1},
                                      {"criteria", {{{"metric", "all_passed"}, {"value", true}, {"split", "hidden"}}}}}}}};
  MockModel model({
      [](const Json& req) { return call("p1", "run", {{"command", allowed_command(req, " eval ")}}); },
      [&](const Json&) {
        return Json{{"role", "assistant"}, {"content", Json{{"plan", public_only}, {"rationale", "public speedup"}}.dump()}};
      },
      [&](const Json&) {
        return Json{{"role", "assistant"}, {"content", Json{{"plan", on_hidden}, {"rationale", "as the analyst asked"}}.dump()}};
      },
      [](const Json&) { return Json{{"role", "assistant"}, {"content", R"({"summary": "kept", "claims": {}, "exhausted": false})"}}; },
  });
  const fs::path agents =
      write_agents(dir.path(), {{"mock-llm", {{"kind", "openai"}, {"base_url", model.base_url()}, {"model", "m"}, {"stream", false}}}});
  const fs::path run = dir.path() / "run";
  auto r = kda({"run", task.string(), "--run-dir", run.string(), "--writer", "mock-llm", "--agents", agents.string(), "--budget", "0.1"},
               cache);
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const std::vector<Json> reqs = model.requests();
  ASSERT_EQ(reqs.size(), 4u);
  const std::string eval_out = tool_output(reqs[1], "p1");
  EXPECT_NE(eval_out.find("PASSED"), std::string::npos) << eval_out;
  EXPECT_EQ(eval_out.find("hidden"), std::string::npos) << "the research writer must not touch hidden workloads";
  // Round 2's prompt carries the analyst's issues; the round-1 plan was sent back, round 2's frozen.
  EXPECT_NE(reqs[2].dump().find("no criterion is checked on hidden workloads"), std::string::npos);
  EXPECT_EQ(read_json_file(run / "research/1/review.json")["verdict"], "REVISE");
  EXPECT_EQ(read_json_file(run / "research/2/review.json")["verdict"], "APPROVE");
  EXPECT_EQ(read_json_file(run / "plan.json")["tasks"][0]["criteria"][0]["metric"], "all_passed");
  const std::string audit = read_file(run / "audit.jsonl");
  EXPECT_NE(audit.find("research_review"), std::string::npos);
  EXPECT_NE(audit.find("the built-in analyst"), std::string::npos);
  EXPECT_LT(audit.find("research_proposal"), audit.find("plan_frozen"));
  Json status = parse_json(kda({"status", run.string(), "--json"}, cache).out, "status");
  EXPECT_EQ(status["tasks"][0]["status"], "PASSED") << status.dump();
  EXPECT_EQ(kda({"audit", "verify", run.string()}, cache).exit_code, 0);
}

// A command-line analyst (read-only: its attempt to rewrite the proposal is refused) leaves a
// decision to the person: the run waits before its first round, `kda resume` alone is refused,
// and `kda resume --accept-plan` freezes the plan and runs it.
TEST(AgentsLoop, ResearchOpenDecisionsWaitForThePersonsApproval) {
  TempDir dir("kda-agents-e2e");
  const fs::path cache = dir.path() / "cache";
  fs::path task = init_task(dir.path(), "rmsnorm");
  keep_workloads(task, {"rmsnorm-m7-d4097-public", "rmsnorm-m33-d1023-hidden"});
  const fs::path analyst = write_script(
      dir.path() / "analyst.sh",
      "echo '{\"forged\": true}' > proposal.json 2>/dev/null && echo FORGED >&2\n"
      "echo '{\"verdict\": \"APPROVE\", \"issues\": [], \"open_decisions\": [\"is 1.05x enough for this kernel?\"]}'\n");
  const fs::path agents = write_agents(dir.path(), {{"sh-analyst", {{"kind", "command"}, {"argv", {analyst.string()}}}}});
  const fs::path run = dir.path() / "run";
  auto r = kda({"run", task.string(), "--run-dir", run.string(), "--analyst", "sh-analyst", "--agents", agents.string(), "--budget", "0.1"},
               cache);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(read_file(run / "PLAN_REVIEW.md").find("is 1.05x enough"), std::string::npos);
  EXPECT_FALSE(read_json_file(run / "run.json").contains("frozen"));
  EXPECT_FALSE(fs::exists(run / "rounds"));
  EXPECT_EQ(read_file(run / "research/1/evidence/proposal.json").find("forged"), std::string::npos);

  auto refused = kda({"resume", run.string()}, cache);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--accept-plan"), std::string::npos) << refused.err;

  r = kda({"resume", run.string(), "--accept-plan"}, cache);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(read_json_file(run / "run.json").contains("frozen"));
  EXPECT_FALSE(fs::exists(run / "PLAN_REVIEW.md"));
  EXPECT_NE(read_file(run / "audit.jsonl").find("kda resume --accept-plan"), std::string::npos);
  EXPECT_TRUE(fs::exists(run / "rounds/T1/1/checks.json"));
  EXPECT_EQ(kda({"audit", "verify", run.string()}, cache).exit_code, 0);

  // A kill between the plan_frozen record and run.json's update: resume finishes the freeze from
  // the record (no approval asked again) and the integrity check still holds.
  Json meta = read_json_file(run / "run.json");
  const Json frozen = meta["frozen"];
  meta.erase("frozen");
  write_file_atomic(run / "run.json", meta.dump(1));
  r = kda({"resume", run.string()}, cache);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_json_file(run / "run.json")["frozen"], frozen);
  EXPECT_EQ(kda({"audit", "verify", run.string()}, cache).exit_code, 0);
}

}  // namespace
}  // namespace kda::e2e
