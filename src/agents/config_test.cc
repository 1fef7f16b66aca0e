#include "agents/config.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.h"
#include "core/fs.h"

namespace kda::agents {
namespace {
namespace fs = std::filesystem;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(AgentConfig, BuiltInTemplatesNameClaudeCodexAndKimiWithAReadOnlyModeWhereTheToolHasOne) {
  AgentConfig c = builtin_agents();
  ASSERT_TRUE(c.find("claude"));
  ASSERT_TRUE(c.find("codex"));
  ASSERT_TRUE(c.find("kimi"));
  EXPECT_FALSE(c.find("gpt"));
  const AgentSpec claude = *c.find("claude");
  EXPECT_EQ(claude.kind, "command");
  EXPECT_EQ(claude.command.argv.front(), "claude");
  EXPECT_EQ(claude.command.output, "json");
  EXPECT_EQ(claude.command.usage_fields.at("cost_usd"), "total_cost_usd");
  const AgentSpec codex = *c.find("codex");
  EXPECT_NE(std::find(codex.command.read_only_argv.begin(), codex.command.read_only_argv.end(), "read-only"),
            codex.command.read_only_argv.end());
  EXPECT_EQ(codex.command.output, "file");
}

TEST(AgentConfig, AFileAddsAgentsAndReplacesBuiltInsByName) {
  fs::path dir = make_temp_dir("kda-agents-cfg");
  write_file_atomic(dir / "agents.json", R"({"kda_agents": 1, "agents": {
    "local": {"kind": "openai", "base_url": "http://127.0.0.1:8000/v1/", "model": "qwen", "api_key_env": "LOCAL_KEY",
              "usd_per_million_prompt_tokens": 0.5},
    "claude": {"kind": "command", "argv": ["my-claude", "--print"], "prompt_via": "arg", "read_only_argv": ["my-claude", "{prompt}"]}}})");
  AgentConfig c = load_agent_config(dir / "agents.json");
  const AgentSpec local = *c.find("local");
  EXPECT_EQ(local.kind, "openai");
  EXPECT_EQ(local.openai.base_url, "http://127.0.0.1:8000/v1");  // trailing slash dropped
  EXPECT_EQ(local.openai.model, "qwen");
  EXPECT_DOUBLE_EQ(local.openai.usd_per_million_prompt_tokens, 0.5);
  EXPECT_TRUE(local.openai.stream);
  EXPECT_EQ(c.find("claude")->command.argv.front(), "my-claude");
  EXPECT_TRUE(c.find("codex"));  // the other built-ins stay
  // The spec survives a round trip through JSON (run.json freezes it).
  AgentSpec again = parse_agent_spec("local", to_json(local), "run.json");
  EXPECT_EQ(again.openai.base_url, local.openai.base_url);
  EXPECT_EQ(again.openai.api_key_env, "LOCAL_KEY");
  fs::remove_all(dir);
}

TEST(AgentConfig, MistakesAreNamedWithTheFileTheAgentAndTheField) {
  fs::path dir = make_temp_dir("kda-agents-cfg");
  auto load = [&](const std::string& text) {
    write_file_atomic(dir / "a.json", text);
    return error_of([&] { load_agent_config(dir / "a.json"); });
  };
  EXPECT_NE(load(R"({"kda_agents": 2, "agents": {}})").find("kda_agents"), std::string::npos);
  std::string e = load(R"({"kda_agents": 1, "agents": {"x": {"kind": "command", "argv": []}}})");
  EXPECT_NE(e.find("a.json"), std::string::npos) << e;
  EXPECT_NE(e.find("agents.x.argv"), std::string::npos) << e;
  e = load(R"({"kda_agents": 1, "agents": {"x": {"kind": "openai", "base_url": "ftp://h", "model": "m"}}})");
  EXPECT_NE(e.find("base_url"), std::string::npos) << e;
  e = load(R"({"kda_agents": 1, "agents": {"x": {"kind": "command", "argv": ["a"], "promt_via": "arg"}}})");
  EXPECT_NE(e.find("promt_via"), std::string::npos) << e;  // a typo is not silently ignored
  e = load(R"({"kda_agents": 1, "agents": {"x": {"kind": "command", "argv": ["a"], "prompt_via": "arg"}}})");
  EXPECT_NE(e.find("{prompt}"), std::string::npos) << e;
  e = load(R"({"kda_agents": 1, "agents": {"builtin": {"kind": "command", "argv": ["a"]}}})");
  EXPECT_NE(e.find("reserved"), std::string::npos) << e;
  e = load(R"({"kda_agents": 1, "agents": {"x": {"kind": "robot"}}})");
  EXPECT_NE(e.find("command | openai"), std::string::npos) << e;
  e = load("{\"kda_agents\": 1,\n \"agents\": {");
  EXPECT_NE(e.find("a.json:2:"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { load_agent_config(dir / "missing.json"); }), "");
  fs::remove_all(dir);
}

TEST(AgentConfig, TheEnvironmentNamesTheFileWhenTheCommandLineDoesNot) {
  fs::path dir = make_temp_dir("kda-agents-cfg");
  write_file_atomic(dir / "agents.json", R"({"kda_agents": 1, "agents": {"mine": {"kind": "command", "argv": ["true"]}}})");
  ::setenv("KDA_AGENTS", (dir / "agents.json").c_str(), 1);
  EXPECT_TRUE(resolve_agent_config().find("mine"));
  ::unsetenv("KDA_AGENTS");
  ::setenv("XDG_CONFIG_HOME", (dir / "empty").c_str(), 1);
  EXPECT_FALSE(resolve_agent_config().find("mine"));
  EXPECT_TRUE(resolve_agent_config().find("claude"));
  EXPECT_TRUE(resolve_agent_config(dir / "agents.json").find("mine"));
  ::unsetenv("XDG_CONFIG_HOME");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kda::agents
