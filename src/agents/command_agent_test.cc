#include "agents/command_agent.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "core/fs.h"
#include "sandbox/sandbox.h"

namespace kda::agents {
namespace {
namespace fs = std::filesystem;

// A real program standing in for a coding agent: a shell script in a temporary directory.
class CommandAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = make_temp_dir("kda-cmd-agent");
    workspace_ = root_ / "ws";
    fs::create_directories(workspace_ / "solution");
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path script(const std::string& name, const std::string& body) {
    fs::path p = root_ / name;
    write_file_atomic(p, "#!/bin/sh\n" + body);
    ::chmod(p.c_str(), 0755);
    return p;
  }
  AgentSpec spec(const Json& j) { return parse_agent_spec("test", j, "test"); }
  AgentRequest request(bool read_only = false, int timeout_s = 30) {
    AgentRequest r;
    r.role = read_only ? Role::kVerifier : Role::kWriter;
    r.prompt = "Make it faster.\nSecond line with 'quotes' and $HOME.";
    r.workspace = workspace_;
    r.permissions.read_only = read_only;
    r.timeout = std::chrono::seconds(timeout_s);
    r.transcript_dir = root_ / "transcript";
    return r;
  }

  fs::path root_, workspace_;
};

TEST_F(CommandAgentTest, AJsonAgentGetsThePromptOnStdinWorksInItsWorkspaceAndReportsItsAnswerAndUsage) {
  fs::path s = script("agent.sh",
                      "cat > got_prompt.txt\n"
                      "echo edited > solution/kernel.cc\n"
                      "echo 'progress line'\n"
                      "echo '{\"type\":\"result\",\"result\":\"{\\\"summary\\\":\\\"ok\\\"}\",\"usage\":{\"input_tokens\":120,"
                      "\"output_tokens\":30},\"total_cost_usd\":0.25}'\n");
  auto agent = make_command_agent(spec({{"kind", "command"}, {"argv", {s.string()}}, {"output", "json"},
                                        {"usage_fields", {{"prompt_tokens", "usage.input_tokens"},
                                                          {"completion_tokens", "usage.output_tokens"},
                                                          {"cost_usd", "total_cost_usd"}}}}));
  AgentResult r = agent->run(request());
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.final_message, "{\"summary\":\"ok\"}");
  EXPECT_EQ(r.usage.prompt_tokens, 120);
  EXPECT_EQ(r.usage.completion_tokens, 30);
  EXPECT_DOUBLE_EQ(r.usage.cost_usd, 0.25);
  EXPECT_EQ(read_file(workspace_ / "got_prompt.txt"), request().prompt);
  EXPECT_EQ(read_file(workspace_ / "solution/kernel.cc"), "edited\n");
  EXPECT_NE(read_file(r.transcript).find("progress line"), std::string::npos);
  EXPECT_EQ(read_json_file(root_ / "transcript/run.json")["exit"], 0);
}

TEST_F(CommandAgentTest, ThePromptCanGoAsAnArgumentOrAFileAndTheAnswerCanComeFromAFile) {
  fs::path s = script("arg.sh", "printf '%s' \"$1\" > from_arg.txt\ncp \"$2\" from_file.txt\nprintf 'the answer' > \"$3\"\n");
  auto agent = make_command_agent(spec({{"kind", "command"},
                                        {"argv", {s.string(), "{prompt}", "{prompt_file}", "{transcript_dir}/answer.txt"}},
                                        {"prompt_via", "arg"},
                                        {"output", "file"},
                                        {"output_file", "{transcript_dir}/answer.txt"}}));
  AgentResult r = agent->run(request());
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.final_message, "the answer");
  EXPECT_EQ(read_file(workspace_ / "from_arg.txt"), request().prompt);
  EXPECT_EQ(read_file(workspace_ / "from_file.txt"), request().prompt);
}

TEST_F(CommandAgentTest, AnAgentThatOverrunsItsTimeIsKilledWithEveryProcessItStarted) {
  fs::path s = script("hang.sh", "sleep 60 &\necho $! > helper.pid\nsleep 60\n");
  auto agent = make_command_agent(spec({{"kind", "command"}, {"argv", {s.string()}}}));
  const auto t0 = std::chrono::steady_clock::now();
  AgentResult r = agent->run(request(false, 1));
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("timed out"), std::string::npos);
  EXPECT_LT(took, 10);
  const pid_t helper = std::stoi(read_file(workspace_ / "helper.pid"));
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {  // the group was SIGKILLed; wait for init to reap it
    gone = ::kill(helper, 0) != 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(gone) << "the agent's background process survived the timeout";
}

TEST_F(CommandAgentTest, AReadOnlyAgentCannotWriteItsWorkspaceButCanWriteItsTranscript) {
  if (probe_sandbox().landlock_abi == 0) GTEST_SKIP() << "Landlock unavailable on this kernel";
  write_file_atomic(workspace_ / "evidence.json", "{}");
  fs::path s = script("verifier.sh",
                      "cat evidence.json > /dev/null && echo read-ok\n"
                      "echo forged > evidence.json 2>/dev/null || echo write-refused\n"
                      "echo new > solution/new.cc 2>/dev/null || echo create-refused\n"
                      "echo '{\"verdict\":\"PASS\"}' > \"$1/verdict.json\" && echo transcript-ok\n");
  auto agent = make_command_agent(spec({{"kind", "command"}, {"argv", {s.string(), "{transcript_dir}"}}}));
  AgentResult r = agent->run(request(true));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.final_message, "read-ok\nwrite-refused\ncreate-refused\ntranscript-ok\n");
  EXPECT_EQ(read_file(workspace_ / "evidence.json"), "{}");
  EXPECT_FALSE(fs::exists(workspace_ / "solution/new.cc"));
  EXPECT_TRUE(fs::exists(root_ / "transcript/verdict.json"));
  // The same script as a writer may write.
  AgentResult w = agent->run(request(false));
  EXPECT_EQ(w.final_message, "read-ok\ntranscript-ok\n");
  EXPECT_EQ(read_file(workspace_ / "evidence.json"), "forged\n");
}

TEST_F(CommandAgentTest, AMissingProgramOrABrokenAnswerIsAFailedRunWithAReasonNotACrash) {
  auto missing = make_command_agent(spec({{"kind", "command"}, {"argv", {"kda-no-such-agent-program"}}}));
  AgentResult r = missing->run(request());
  EXPECT_EQ(r.exit_status, 127);
  EXPECT_NE(r.error.find("not found on PATH"), std::string::npos) << r.error;

  fs::path s = script("garbage.sh", "echo 'this is not json'\n");
  auto garbage = make_command_agent(spec({{"kind", "command"}, {"argv", {s.string()}}, {"output", "json"}}));
  r = garbage->run(request());
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("no JSON object"), std::string::npos) << r.error;

  fs::path f = script("fails.sh", "echo 'quota exceeded' >&2\nexit 3\n");
  auto fails = make_command_agent(spec({{"kind", "command"}, {"argv", {f.string()}}}));
  r = fails->run(request());
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_NE(r.error.find("quota exceeded"), std::string::npos) << r.error;
}

TEST_F(CommandAgentTest, TheTemplatesEnvironmentReplacesInheritedValuesAndNamesTheRole) {
  ::setenv("KDA_TEST_AGENT_VAR", "inherited", 1);
  fs::path s = script("env.sh", "printf '%s %s %s' \"$KDA_TEST_AGENT_VAR\" \"$KDA_AGENT_ROLE\" \"$WS\"\n");
  auto agent = make_command_agent(spec({{"kind", "command"}, {"argv", {s.string()}},
                                        {"env", {{"KDA_TEST_AGENT_VAR", "from-template"}, {"WS", "{workspace}"}}}}));
  AgentResult r = agent->run(request());
  ::unsetenv("KDA_TEST_AGENT_VAR");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.final_message, "from-template writer " + workspace_.string());
}

TEST(Placeholders, AreReplacedEverywhereAndAHomePrefixIsExpanded) {
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(expand_placeholders("~/.claude", {}), "/home/u/.claude");
  EXPECT_EQ(expand_placeholders("{a}-{b}-{a}", {{"a", "x"}, {"b", "{a}"}}), "x-{a}-x");
  EXPECT_EQ(expand_placeholders("a~/b", {}), "a~/b");
}

}  // namespace
}  // namespace kda::agents
