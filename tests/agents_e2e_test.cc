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
  const fs::path verifier = dir.path() / "verifier.sh";
  write_file_atomic(verifier,
                    "#!/bin/sh\n"
                    "echo '{\"forged\": true}' > evidence.json 2>/dev/null && echo FORGED >&2\n"
                    "echo '{\"verdict\": \"PASS\", \"reasons\": [\"criteria hold in checks\"], \"requests\": []}'\n");
  ::chmod(verifier.c_str(), 0755);
  write_file_atomic(dir.path() / "agents.json",
                    Json{{"kda_agents", 1},
                         {"agents", {{"mock-llm", {{"kind", "openai"}, {"base_url", model.base_url()}, {"model", "m"},
                                                   {"stream", false}, {"max_retries", 1}, {"request_timeout_seconds", 60},
                                                   {"usd_per_million_prompt_tokens", 1.0}}},
                                     {"sh-verifier", {{"kind", "command"}, {"argv", {verifier.string()}}}}}}}
                        .dump());

  const fs::path run = dir.path() / "run";
  auto r = kda({"run", task.string(), "--plan", (dir.path() / "plan.json").string(), "--accept-plan", "--run-dir", run.string(),
                "--writer", "mock-llm", "--verifier", "sh-verifier", "--agents", (dir.path() / "agents.json").string(),
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
  write_file_atomic(dir.path() / "agents.json",
                    Json{{"kda_agents", 1},
                         {"agents", {{"pricey", {{"kind", "openai"}, {"base_url", model.base_url()}, {"model", "m"}, {"stream", false},
                                                 {"usd_per_million_prompt_tokens", 1000.0}}}}}}
                        .dump());
  const fs::path run = dir.path() / "run";
  auto r = kda({"run", task.string(), "--plan", (dir.path() / "plan.json").string(), "--accept-plan", "--run-dir", run.string(),
                "--writer", "pricey", "--agents", (dir.path() / "agents.json").string(), "--budget", "0.1", "--max-cost", "1.5"},
               cache);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(model.requests().size(), 2u) << "two rounds (1 $ each) reach the 1.5 $ budget; a third must not start";
  EXPECT_NE(read_file(run / "audit.jsonl").find("budget_exhausted"), std::string::npos);

  // An unknown agent name is a usage error that lists the known ones.
  auto bad = kda({"run", task.string(), "--writer", "nobody", "--agents", (dir.path() / "agents.json").string()}, cache);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("pricey"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("claude"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace kda::e2e
