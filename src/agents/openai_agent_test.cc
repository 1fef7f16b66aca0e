// The OpenAI-compatible agent against a local mock server (cpp-httplib) that plays a scripted
// conversation, failures included: real HTTP through libcurl, real files, real tool calls.
#include "agents/openai_agent.h"

#include <gtest/gtest.h>

#include <thread>

#include "agents/mock_chat_server.h"
#include "agents/workspace_tools.h"
#include "core/error.h"
#include "core/fs.h"

namespace kda::agents {
namespace {
namespace fs = std::filesystem;

Json tool_call(const std::string& id, const std::string& name, const Json& args) {
  return {{"id", id}, {"type", "function"}, {"function", {{"name", name}, {"arguments", args.dump()}}}};
}

// The same turn as server-sent events, the tool call's arguments split across chunks.
MockChatServer::Reply streamed_tool_call(const std::string& id, const std::string& name, const std::string& args) {
  return [=](const Json&, httplib::Response& res) {
    auto event = [](const Json& j) { return "data: " + j.dump() + "\n\n"; };
    const size_t half = args.size() / 2;
    std::string s = ": keep-alive comment\n\n";
    s += event({{"choices", {{{"index", 0}, {"delta", {{"role", "assistant"}, {"content", "Let me look. "}}}}}}});
    s += event({{"choices", {{{"index", 0}, {"delta", {{"tool_calls", {{{"index", 0}, {"id", id}, {"type", "function"},
                                                                        {"function", {{"name", name}, {"arguments", args.substr(0, half)}}}}}}}}}}}});
    s += event({{"choices", {{{"index", 0}, {"delta", {{"tool_calls", {{{"index", 0}, {"function", {{"arguments", args.substr(half)}}}}}}}}}}}});
    s += event({{"choices", Json::array()}, {"usage", {{"prompt_tokens", 50}, {"completion_tokens", 5}}}});
    s += "data: [DONE]\n\n";
    res.set_content(s, "text/event-stream");
  };
}

class OpenAiAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = make_temp_dir("kda-openai-agent");
    fs::create_directories(root_ / "ws/solution");
    write_file_atomic(root_ / "ws/solution/kernel.cc", "int kernel() { return 1; }\n");
    write_file_atomic(root_ / "secret.txt", "outside the workspace");
  }
  void TearDown() override { fs::remove_all(root_); }

  AgentSpec spec(bool stream = false) {
    Json j = {{"kind", "openai"}, {"base_url", server_.base_url()}, {"model", "mock-model"}, {"stream", stream},
              {"max_retries", 3}, {"backoff_seconds", 0.05}, {"request_timeout_seconds", 1},
              {"usd_per_million_prompt_tokens", 2.0}, {"usd_per_million_completion_tokens", 8.0}};
    return parse_agent_spec("mock", j, "test");
  }
  AgentRequest request(bool read_only = false) {
    AgentRequest r;
    r.role = read_only ? Role::kVerifier : Role::kWriter;
    r.prompt = "Improve solution/kernel.cc.";
    r.workspace = root_ / "ws";
    r.permissions.read_only = read_only;
    r.timeout = std::chrono::seconds(60);
    r.transcript_dir = root_ / "transcript";
    return r;
  }
  std::vector<Json> transcript() {
    std::vector<Json> out;
    std::istringstream in(read_file(root_ / "transcript/transcript.jsonl"));
    for (std::string line; std::getline(in, line);) out.push_back(Json::parse(line));
    return out;
  }
  // The content of the tool message answering `id` in the last request the server saw.
  std::string tool_output(const std::string& id) {
    const std::vector<Json> seen = server_.requests();  // a copy: the loop must not outlive it
    for (const Json& m : seen.back()["messages"])
      if (m.value("role", "") == "tool" && m.value("tool_call_id", "") == id) return m["content"];
    return "(no tool message " + id + ")";
  }

  MockChatServer server_;
  fs::path root_;
};

TEST_F(OpenAiAgentTest, CompletesAToolCallingSessionThroughA429AMalformedAnswerAndATimeout) {
  server_.then([](const Json&, httplib::Response& res) {  // rate limited, come back now
    res.status = 429;
    res.set_header("Retry-After", "0");
    res.set_content(R"({"error": {"message": "slow down"}})", "application/json");
  });
  server_.then([](const Json&, httplib::Response& res) { res.set_content("{\"choices\": [{\"mess", "application/json"); });
  server_.then([](const Json&, httplib::Response& res) {  // longer than the 1 s request timeout
    std::this_thread::sleep_for(std::chrono::milliseconds(1800));
    res.set_content("{}", "application/json");
  });
  server_.then(MockChatServer::answer({{"role", "assistant"}, {"content", ""},
                       {"tool_calls", {tool_call("c1", "list_dir", {{"path", "solution"}})}}}));
  server_.then(MockChatServer::answer({{"role", "assistant"}, {"content", nullptr},
                       {"tool_calls", {tool_call("c2", "read_file", {{"path", "solution/kernel.cc"}}),
                                       tool_call("c3", "write_file", {{"path", "solution/kernel.cc"}, {"content", "int kernel() { return 2; }\n"}})}}}));
  server_.then(MockChatServer::answer({{"role", "assistant"}, {"content", R"({"summary": "returned 2", "claims": {}})"}}, 300, 40));

  auto agent = make_openai_agent(spec());
  AgentResult r = agent->run(request());
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.final_message, R"({"summary": "returned 2", "claims": {}})");
  EXPECT_EQ(read_file(root_ / "ws/solution/kernel.cc"), "int kernel() { return 2; }\n");
  EXPECT_EQ(server_.replies_left(), 0u);

  // What the model was sent: its tools, and each tool's output under the right call id.
  const std::vector<Json> reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 6u);
  EXPECT_EQ(reqs[0]["model"], "mock-model");
  std::set<std::string> tools;
  for (const Json& t : reqs[0]["tools"]) tools.insert(t["function"]["name"].get<std::string>());
  EXPECT_EQ(tools, (std::set<std::string>{"list_dir", "read_file", "write_file"}));
  EXPECT_EQ(tool_output("c1"), "kernel.cc\n");
  EXPECT_EQ(tool_output("c2"), "int kernel() { return 1; }\n");  // read before the write in the same turn
  EXPECT_NE(tool_output("c3").find("wrote 27 bytes"), std::string::npos);

  // Usage of the three answered turns, priced at 2 $/M prompt and 8 $/M completion tokens.
  EXPECT_EQ(r.usage.prompt_tokens, 500);
  EXPECT_EQ(r.usage.completion_tokens, 60);
  EXPECT_NEAR(r.usage.cost_usd, (500 * 2.0 + 60 * 8.0) / 1e6, 1e-12);

  std::vector<std::string> problems;
  for (const Json& e : transcript())
    if (e["event"] == "retry") problems.push_back(e["problem"]);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("HTTP 429"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("malformed"), std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("timed out"), std::string::npos) << problems[2];
}

TEST_F(OpenAiAgentTest, ReadsAStreamedAnswerWhoseToolCallArrivesInPieces) {
  server_.then(streamed_tool_call("s1", "read_file", R"({"path": "solution/kernel.cc"})"));
  server_.then([](const Json&, httplib::Response& res) {
    res.set_content("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"all \"}}]}\n\n"
                    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"done\"}}]}\n\n"
                    "data: [DONE]\n\n",
                    "text/event-stream");
  });
  AgentResult r = make_openai_agent(spec(true))->run(request());
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.final_message, "all done");
  EXPECT_EQ(tool_output("s1"), "int kernel() { return 1; }\n");
  EXPECT_EQ(r.usage.prompt_tokens, 50);
  const Json first = server_.requests().front();
  EXPECT_EQ(first["stream"], true);
  EXPECT_EQ(first["stream_options"]["include_usage"], true);
}

TEST_F(OpenAiAgentTest, AReadOnlyRoleIsOfferedNoWriteToolAndCannotLeaveTheWorkspace) {
  server_.then(MockChatServer::answer({{"role", "assistant"}, {"content", ""},
                       {"tool_calls", {tool_call("w", "write_file", {{"path", "solution/kernel.cc"}, {"content", "x"}}),
                                       tool_call("e", "read_file", {{"path", "../secret.txt"}}),
                                       tool_call("a", "read_file", {{"path", (root_ / "secret.txt").string()}}),
                                       tool_call("b", "read_file", {{"path", "solution/kernel.cc"}}),
                                       tool_call("r", "run", {{"command", "rm -rf solution"}})}}}));
  server_.then(MockChatServer::answer({{"role", "assistant"}, {"content", R"({"verdict": "FAIL", "reasons": ["r1"]})"}}));
  fs::create_symlink(root_ / "secret.txt", root_ / "ws/link.txt");
  server_.then(MockChatServer::answer({{"role", "assistant"}, {"content", ""}, {"tool_calls", {tool_call("l", "read_file", {{"path", "link.txt"}})}}}));
  server_.then(MockChatServer::answer({{"role", "assistant"}, {"content", "done"}}));
  AgentResult r = make_openai_agent(spec())->run(request(true));
  ASSERT_TRUE(r.ok()) << r.error;
  const std::vector<Json> seen = server_.requests();
  for (const Json& t : seen.front()["tools"]) EXPECT_NE(t["function"]["name"], "write_file");
  EXPECT_NE(tool_output("w").find("read-only"), std::string::npos) << tool_output("w");
  EXPECT_NE(tool_output("e").find("outside the workspace"), std::string::npos) << tool_output("e");
  EXPECT_NE(tool_output("a").find("outside the workspace"), std::string::npos) << tool_output("a");
  EXPECT_EQ(tool_output("b"), "int kernel() { return 1; }\n");
  EXPECT_NE(tool_output("r").find("error"), std::string::npos) << tool_output("r");
  EXPECT_EQ(read_file(root_ / "ws/solution/kernel.cc"), "int kernel() { return 1; }\n");
  EXPECT_EQ(r.final_message, R"({"verdict": "FAIL", "reasons": ["r1"]})");

  // A symlink inside the workspace that points out of it is refused like "..".
  AgentResult again = make_openai_agent(spec())->run(request(true));
  ASSERT_TRUE(again.ok()) << again.error;
  EXPECT_NE(tool_output("l").find("outside the workspace"), std::string::npos) << tool_output("l");
}

TEST_F(OpenAiAgentTest, OnlyAllowedCommandsRunAndWithoutAShell) {
  AgentRequest req = request();
  req.permissions.allowed_commands = {"echo kda-eval public"};
  server_.then(MockChatServer::answer({{"role", "assistant"}, {"content", ""},
                       {"tool_calls", {tool_call("ok", "run", {{"command", "echo kda-eval public 'two words' $HOME"}}),
                                       tool_call("no", "run", {{"command", "echo kda-eval hidden"}}),
                                       tool_call("sh", "run", {{"command", "echo; rm -rf solution"}})}}}));
  server_.then(MockChatServer::answer({{"role", "assistant"}, {"content", "ok"}}));
  AgentResult r = make_openai_agent(spec())->run(req);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_NE(tool_output("ok").find("kda-eval public two words $HOME\n"), std::string::npos) << tool_output("ok");
  EXPECT_NE(tool_output("no").find("not allowed"), std::string::npos);
  EXPECT_NE(tool_output("sh").find("not allowed"), std::string::npos);
  EXPECT_TRUE(fs::exists(root_ / "ws/solution/kernel.cc"));
}

TEST_F(OpenAiAgentTest, ClientErrorsEndTheSessionAtOnceAndRetriesAreBounded) {
  server_.then([](const Json&, httplib::Response& res) {
    res.status = 401;
    res.set_content(R"({"error": {"message": "invalid api key"}})", "application/json");
  });
  AgentResult r = make_openai_agent(spec())->run(request());
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("HTTP 401"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("invalid api key"), std::string::npos) << r.error;
  EXPECT_EQ(server_.requests().size(), 1u);

  for (int i = 0; i < 4; ++i)
    server_.then([](const Json&, httplib::Response& res) {
      res.status = 503;
      res.set_content("overloaded", "text/plain");
    });
  r = make_openai_agent(spec())->run(request());
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("gave up after 4 attempts"), std::string::npos) << r.error;
  EXPECT_EQ(server_.requests().size(), 5u);
}

TEST_F(OpenAiAgentTest, AMissingApiKeyIsNamedBeforeAnyRequest) {
  Json j = to_json(spec());
  j["api_key_env"] = "KDA_TEST_SURELY_UNSET_KEY";
  AgentResult r = make_openai_agent(parse_agent_spec("mock", j, "test"))->run(request());
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("KDA_TEST_SURELY_UNSET_KEY"), std::string::npos);
  EXPECT_TRUE(server_.requests().empty());
}

TEST(CommandLine, SplitsOnWhitespaceAndGroupsQuotes) {
  EXPECT_EQ(split_command_line("kda eval  /t 'a b' \"c d\"e"), (std::vector<std::string>{"kda", "eval", "/t", "a b", "c de"}));
  EXPECT_THROW(split_command_line("echo 'open"), std::runtime_error);
}

TEST(CommandLine, QuotedWordsSplitBackToThemselves) {
  for (const std::string w : {"/plain/path", "/runs/my task/solution", "/it's here", "a\tb", "$HOME x", "/data/topk(v2);x"}) {
    EXPECT_EQ(split_command_line("kda eval " + quote_command_word(w) + " --x"), (std::vector<std::string>{"kda", "eval", w, "--x"}))
        << quote_command_word(w);
  }
  EXPECT_EQ(quote_command_word("/plain/path"), "/plain/path");
  EXPECT_EQ(quote_command_word("/data/topk(v2)"), "'/data/topk(v2)'");
  EXPECT_THROW(quote_command_word("both ' and \""), kda::Error);
}

}  // namespace
}  // namespace kda::agents
