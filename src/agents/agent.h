// Agents (DESIGN §7): anything that takes a role prompt and a workspace and returns a
// transcript and an exit status. The loop (src/loop) talks to every kind through this one
// interface: command-line coding agents from config templates (claude, codex, kimi, any command),
// an OpenAI-compatible chat-completions agent with tool calls, scripted replay agents for tests,
// and the built-in search writer and rule-based verifier that need no model.
//
// Contract: run() never throws for an agent's own failure (crash, timeout, garbage output,
// HTTP errors after retries); those come back in AgentResult. It throws kda::Error only for a
// misconfiguration kda can name (unknown agent, missing template field). An agent whose
// permissions say read_only must not be able to change anything under its workspace: kda
// enforces that (sandbox), it does not trust the agent to comply.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/json_io.h"

namespace kda::agents {

enum class Role { kWriter, kVerifier, kAnalyst, kConsultant };
const char* role_name(Role r);  ///< "writer", "verifier", "analyst", "consultant"

struct Permissions {
  bool read_only = false;                     ///< verifier, analyst, consultant: true
  std::vector<std::string> allowed_commands;  ///< shell commands the agent may run (tool agents)
};

struct AgentRequest {
  Role role = Role::kWriter;
  std::string prompt;                      ///< the whole role prompt, as text
  std::filesystem::path workspace;         ///< writer: its git worktree; others: evidence dir
  Permissions permissions;
  std::chrono::seconds timeout{600};
  std::filesystem::path transcript_dir;    ///< where the agent's transcript files go (created)
};

struct Usage {
  long prompt_tokens = 0;
  long completion_tokens = 0;
  double cost_usd = 0;
  long tokens() const { return prompt_tokens + completion_tokens; }
  Usage& operator+=(const Usage& o) {
    prompt_tokens += o.prompt_tokens;
    completion_tokens += o.completion_tokens;
    cost_usd += o.cost_usd;
    return *this;
  }
};

struct AgentResult {
  int exit_status = 0;        ///< 0 = the agent finished normally
  bool timed_out = false;
  std::string final_message;  ///< the agent's last answer (a verifier's JSON verdict goes here)
  std::filesystem::path transcript;  ///< main transcript file (inside transcript_dir)
  Usage usage;
  std::string error;          ///< empty on success; otherwise what went wrong, in words
  bool ok() const { return exit_status == 0 && !timed_out && error.empty(); }
};

/// {"prompt_tokens", "completion_tokens", "cost_usd"}: how the loop journals and audits usage.
Json usage_json(const Usage& u);
/// The inverse of usage_json; absent fields (or a non-object) count as zero.
Usage usage_from_json(const Json& j);
/// True when a budget is set (> 0) and `spent` has reached it: the loop's token and cost limits.
bool budget_reached(const Usage& spent, long max_tokens, double max_cost_usd);
/// SHA-256 of the agent's main transcript file; "" when it wrote none.
std::string transcript_sha256(const AgentResult& r);

class Agent {
 public:
  virtual ~Agent() = default;
  virtual std::string name() const = 0;
  virtual AgentResult run(const AgentRequest& request) = 0;
};

}  // namespace kda::agents
