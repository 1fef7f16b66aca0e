// Agent configuration (docs/agents.md): which model-backed agents `kda run --writer NAME` and
// `--verifier NAME` can name. Two kinds:
//   - "command": a command-line coding agent (claude, codex, kimi, any program) started from an
//     argv template, its prompt on stdin, in a file or as an argument;
//   - "openai": an OpenAI-compatible chat-completions endpoint driven by kda's own tool loop.
// Built-in templates for claude, codex and kimi exist without any file; a config file
// ({"kda_agents": 1, "agents": {NAME: SPEC}}) adds agents or replaces built-in ones by name.
// Secrets never live in the file: an openai agent names the environment variable with its key.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json_io.h"

namespace kda::agents {

inline constexpr int kAgentConfigSchemaVersion = 1;

/// A command-line agent. Placeholders in argv, output_file and writable:
/// {prompt} (the text), {prompt_file}, {workspace}, {transcript_dir}; "~/" is $HOME.
struct CommandSpec {
  std::vector<std::string> argv;
  std::vector<std::string> read_only_argv;  ///< for read-only roles (verifier); empty: argv
  std::string prompt_via = "stdin";         ///< stdin | file | arg (then argv holds {prompt} or {prompt_file})
  std::string output = "text";              ///< text: stdout is the answer; json: a field of stdout's last JSON object; file
  std::string result_field = "result";      ///< output == json: the answer's field (dotted path)
  std::string output_file;                  ///< output == file: where the agent leaves its last message
  std::map<std::string, std::string> usage_fields;  ///< prompt_tokens|completion_tokens|cost_usd -> dotted path (json)
  std::map<std::string, std::string> env;           ///< added to the agent's environment
  std::vector<std::string> writable;  ///< paths a read-only agent may still write (its own state, caches)
};

/// An OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, SGLang, llama.cpp, Ollama, ...).
struct OpenAiSpec {
  std::string base_url;           ///< e.g. http://127.0.0.1:8000/v1 (".../chat/completions" is appended)
  std::string model;
  std::string api_key_env;        ///< environment variable holding the key; empty: no key sent
  bool stream = true;             ///< server-sent events
  int max_retries = 5;            ///< on 429, 5xx, timeouts, transport errors and malformed answers
  double backoff_seconds = 1.0;   ///< first retry delay; doubles each time (Retry-After wins)
  double request_timeout_seconds = 300;
  int max_turns = 40;             ///< model calls per session
  int max_output_tokens = 0;      ///< 0: the server's default
  double usd_per_million_prompt_tokens = 0;
  double usd_per_million_completion_tokens = 0;
};

struct AgentSpec {
  std::string name;
  std::string kind;  ///< command | openai
  CommandSpec command;
  OpenAiSpec openai;
  std::string origin;  ///< "built-in" or the config file it came from
};

/// Parses one agent's spec; errors name `origin`, the agent and the field (kInput).
AgentSpec parse_agent_spec(const std::string& name, const Json& j, const std::string& origin);
Json to_json(const AgentSpec& s);

struct AgentConfig {
  std::map<std::string, AgentSpec> agents;
  std::optional<AgentSpec> find(const std::string& name) const;
};

/// claude, codex and kimi.
AgentConfig builtin_agents();
/// Reads a config file over the built-ins (kNotFound if missing, kInput if malformed).
AgentConfig load_agent_config(const std::filesystem::path& file);
/// `explicit_file` if given; else $KDA_AGENTS; else $XDG_CONFIG_HOME/kda/agents.json or
/// ~/.config/kda/agents.json where present; else only the built-ins.
AgentConfig resolve_agent_config(const std::filesystem::path& explicit_file = {});

}  // namespace kda::agents
