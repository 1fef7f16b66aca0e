#include "agents/config.h"

#include <cstdlib>
#include <set>

#include "core/error.h"

namespace kda::agents {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> string_list(const Json& obj, std::string_view key, const JsonCtx& ctx) {
  std::vector<std::string> out;
  if (!obj.contains(key)) return out;
  const Json& a = obj[std::string(key)];
  expect_array(a, ctx.at(key));
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_string()) ctx.at(key).at(i).fail("a string");
    out.push_back(a[i].get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> string_map(const Json& obj, std::string_view key, const JsonCtx& ctx) {
  std::map<std::string, std::string> out;
  if (!obj.contains(key)) return out;
  const Json& m = obj[std::string(key)];
  expect_object(m, ctx.at(key));
  for (auto& [k, v] : m.items()) {
    if (!v.is_string()) ctx.at(key).at(k).fail("a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

std::string one_of(const Json& obj, std::string_view key, const std::string& fallback, const std::set<std::string>& allowed,
                   const JsonCtx& ctx) {
  std::string v = optional_string(obj, key, ctx).value_or(fallback);
  if (!allowed.count(v)) {
    std::string list;
    for (const std::string& a : allowed) list += (list.empty() ? "" : " | ") + a;
    ctx.at(key).fail(list);
  }
  return v;
}

void reject_unknown(const Json& obj, const std::set<std::string>& known, const JsonCtx& ctx) {
  for (auto& [k, v] : obj.items())
    if (!known.count(k)) ctx.at(k).fail("no such field (a typo?); see docs/agents.md");
}

CommandSpec parse_command(const Json& j, const JsonCtx& ctx) {
  reject_unknown(j, {"kind", "argv", "read_only_argv", "prompt_via", "output", "result_field", "output_file", "usage_fields", "env",
                     "writable", "description"},
                 ctx);
  CommandSpec c;
  c.argv = string_list(j, "argv", ctx);
  if (c.argv.empty()) ctx.at("argv").fail("a non-empty list: the program and its arguments");
  c.read_only_argv = string_list(j, "read_only_argv", ctx);
  c.prompt_via = one_of(j, "prompt_via", "stdin", {"stdin", "file", "arg"}, ctx);
  c.output = one_of(j, "output", "text", {"text", "json", "file"}, ctx);
  c.result_field = optional_string(j, "result_field", ctx).value_or("result");
  c.output_file = optional_string(j, "output_file", ctx).value_or("");
  if (c.output == "file" && c.output_file.empty()) ctx.at("output_file").fail("a path (output is \"file\")");
  c.usage_fields = string_map(j, "usage_fields", ctx);
  for (auto& [k, v] : c.usage_fields)
    if (k != "prompt_tokens" && k != "completion_tokens" && k != "cost_usd")
      ctx.at("usage_fields").at(k).fail("one of prompt_tokens, completion_tokens, cost_usd");
  c.env = string_map(j, "env", ctx);
  c.writable = string_list(j, "writable", ctx);
  auto mentions = [&](const std::string& token) {
    for (const auto* argv : {&c.argv, &c.read_only_argv})
      for (const std::string& a : *argv)
        if (a.find(token) != std::string::npos) return true;
    return false;
  };
  if (c.prompt_via == "arg" && !mentions("{prompt}") && !mentions("{prompt_file}"))
    ctx.at("argv").fail("a {prompt} or {prompt_file} placeholder (prompt_via is \"arg\")");
  return c;
}

OpenAiSpec parse_openai(const Json& j, const JsonCtx& ctx) {
  reject_unknown(j, {"kind", "base_url", "model", "api_key_env", "stream", "max_retries", "backoff_seconds", "request_timeout_seconds",
                     "max_turns", "max_output_tokens", "usd_per_million_prompt_tokens", "usd_per_million_completion_tokens",
                     "description"},
                 ctx);
  OpenAiSpec o;
  o.base_url = required_string(j, "base_url", ctx);
  if (o.base_url.rfind("http://", 0) != 0 && o.base_url.rfind("https://", 0) != 0)
    ctx.at("base_url").fail("an http:// or https:// URL, e.g. http://127.0.0.1:8000/v1");
  while (!o.base_url.empty() && o.base_url.back() == '/') o.base_url.pop_back();
  o.model = required_string(j, "model", ctx);
  o.api_key_env = optional_string(j, "api_key_env", ctx).value_or("");
  if (j.contains("stream")) {
    if (!j["stream"].is_boolean()) ctx.at("stream").fail("true or false");
    o.stream = j["stream"].get<bool>();
  }
  auto count = [&](std::string_view key, int fallback, int lo) {
    int64_t v = optional_int(j, key, ctx).value_or(fallback);
    if (v < lo || v > 1000000) ctx.at(key).fail("an integer >= " + std::to_string(lo));
    return static_cast<int>(v);
  };
  auto number = [&](std::string_view key, double fallback) {
    double v = optional_number(j, key, ctx).value_or(fallback);
    if (!(v >= 0)) ctx.at(key).fail("a number >= 0");
    return v;
  };
  o.max_retries = count("max_retries", o.max_retries, 0);
  o.max_turns = count("max_turns", o.max_turns, 1);
  o.max_output_tokens = count("max_output_tokens", 0, 0);
  o.backoff_seconds = number("backoff_seconds", o.backoff_seconds);
  o.request_timeout_seconds = number("request_timeout_seconds", o.request_timeout_seconds);
  if (o.request_timeout_seconds <= 0) ctx.at("request_timeout_seconds").fail("a number > 0");
  o.usd_per_million_prompt_tokens = number("usd_per_million_prompt_tokens", 0);
  o.usd_per_million_completion_tokens = number("usd_per_million_completion_tokens", 0);
  return o;
}

// The built-in templates follow each tool's documented non-interactive mode. The writer edits
// with the tool's own permissions; a read-only role gets the tool's read-only mode where it has
// one, and kda's filesystem confinement in every case (it does not trust the tool to comply).
const char* kBuiltins = R"({
  "kda_agents": 1,
  "agents": {
    "claude": {
      "kind": "command",
      "description": "Claude Code in print mode (claude -p), JSON result with usage and cost",
      "argv": ["claude", "-p", "--output-format", "json", "--permission-mode", "acceptEdits",
               "--allowedTools", "{claude_allowed_tools}"],
      "read_only_argv": ["claude", "-p", "--output-format", "json", "--allowedTools", "Read,Glob,Grep",
                         "--disallowedTools", "Edit,Write,Bash,NotebookEdit"],
      "prompt_via": "stdin",
      "output": "json",
      "result_field": "result",
      "usage_fields": {"prompt_tokens": "usage.input_tokens", "completion_tokens": "usage.output_tokens",
                       "cost_usd": "total_cost_usd"},
      "writable": ["~/.claude", "~/.claude.json", "~/.cache", "/tmp"]
    },
    "codex": {
      "kind": "command",
      "description": "OpenAI Codex CLI (codex exec), prompt on stdin, last message to a file",
      "argv": ["codex", "exec", "--sandbox", "workspace-write", "--skip-git-repo-check", "--ephemeral",
               "--output-last-message", "{transcript_dir}/last_message.txt", "-"],
      "read_only_argv": ["codex", "exec", "--sandbox", "read-only", "--skip-git-repo-check", "--ephemeral",
                         "--output-last-message", "{transcript_dir}/last_message.txt", "-"],
      "prompt_via": "stdin",
      "output": "file",
      "output_file": "{transcript_dir}/last_message.txt",
      "writable": ["~/.codex", "/tmp"]
    },
    "kimi": {
      "kind": "command",
      "description": "Kimi Code CLI in print mode, final message only",
      "argv": ["kimi", "--print", "--final-message-only", "--output-format", "text"],
      "prompt_via": "stdin",
      "output": "text",
      "writable": ["~/.kimi", "/tmp"]
    }
  }
})";

void add_file(AgentConfig& config, const Json& doc, const std::string& origin) {
  JsonCtx ctx(origin);
  expect_object(doc, ctx);
  const int64_t version = required_int(doc, "kda_agents", ctx);
  if (version != kAgentConfigSchemaVersion)
    ctx.at("kda_agents").fail("schema version " + std::to_string(kAgentConfigSchemaVersion) + " (this kda reads only that)");
  const Json& agents = required_field(doc, "agents", ctx);
  expect_object(agents, ctx.at("agents"));
  for (auto& [name, spec] : agents.items()) config.agents[name] = parse_agent_spec(name, spec, origin);
}

}  // namespace

AgentSpec parse_agent_spec(const std::string& name, const Json& j, const std::string& origin) {
  JsonCtx ctx = JsonCtx(origin).at("agents").at(name);
  if (name.empty() || name == "builtin" || name.find(':') != std::string::npos || name.find('/') != std::string::npos)
    ctx.fail("an agent name without ':' or '/', other than 'builtin' (reserved for kda's own agents)");
  expect_object(j, ctx);
  AgentSpec s;
  s.name = name;
  s.origin = origin;
  s.kind = one_of(j, "kind", "", {"command", "openai"}, ctx);
  if (s.kind == "command") s.command = parse_command(j, ctx);
  else s.openai = parse_openai(j, ctx);
  return s;
}

Json to_json(const AgentSpec& s) {
  if (s.kind == "command") {
    const CommandSpec& c = s.command;
    Json j = {{"kind", "command"}, {"argv", c.argv}, {"prompt_via", c.prompt_via}, {"output", c.output}};
    if (!c.read_only_argv.empty()) j["read_only_argv"] = c.read_only_argv;
    if (c.output == "json") j["result_field"] = c.result_field;
    if (!c.output_file.empty()) j["output_file"] = c.output_file;
    if (!c.usage_fields.empty()) j["usage_fields"] = c.usage_fields;
    if (!c.env.empty()) j["env"] = c.env;
    if (!c.writable.empty()) j["writable"] = c.writable;
    return j;
  }
  const OpenAiSpec& o = s.openai;
  return {{"kind", "openai"}, {"base_url", o.base_url}, {"model", o.model}, {"api_key_env", o.api_key_env},
          {"stream", o.stream}, {"max_retries", o.max_retries}, {"backoff_seconds", o.backoff_seconds},
          {"request_timeout_seconds", o.request_timeout_seconds}, {"max_turns", o.max_turns},
          {"max_output_tokens", o.max_output_tokens}, {"usd_per_million_prompt_tokens", o.usd_per_million_prompt_tokens},
          {"usd_per_million_completion_tokens", o.usd_per_million_completion_tokens}};
}

std::optional<AgentSpec> AgentConfig::find(const std::string& name) const {
  auto it = agents.find(name);
  if (it == agents.end()) return std::nullopt;
  return it->second;
}

AgentConfig builtin_agents() {
  AgentConfig c;
  add_file(c, parse_json(kBuiltins, "built-in agents"), "built-in");
  return c;
}

AgentConfig load_agent_config(const fs::path& file) {
  AgentConfig c = builtin_agents();
  add_file(c, read_json_file(file), file.string());
  return c;
}

AgentConfig resolve_agent_config(const fs::path& explicit_file) {
  if (!explicit_file.empty()) return load_agent_config(explicit_file);
  if (const char* e = std::getenv("KDA_AGENTS"); e && *e) return load_agent_config(e);
  fs::path dir;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) dir = fs::path(x) / "kda";
  else if (const char* h = std::getenv("HOME"); h && *h) dir = fs::path(h) / ".config" / "kda";
  std::error_code ec;
  if (!dir.empty() && fs::exists(dir / "agents.json", ec)) return load_agent_config(dir / "agents.json");
  return builtin_agents();
}

}  // namespace kda::agents
