#include "agents/agent.h"

#include "core/hash.h"

namespace kda::agents {

const char* role_name(Role r) {
  switch (r) {
    case Role::kWriter: return "writer";
    case Role::kVerifier: return "verifier";
    case Role::kAnalyst: return "analyst";
    case Role::kConsultant: return "consultant";
  }
  return "writer";
}

Json usage_json(const Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens}, {"completion_tokens", u.completion_tokens}, {"cost_usd", u.cost_usd}};
}

Usage usage_from_json(const Json& j) {
  Usage u;
  if (!j.is_object()) return u;
  u.prompt_tokens = j.value("prompt_tokens", 0L);
  u.completion_tokens = j.value("completion_tokens", 0L);
  u.cost_usd = j.value("cost_usd", 0.0);
  return u;
}

bool budget_reached(const Usage& spent, long max_tokens, double max_cost_usd) {
  return (max_tokens > 0 && spent.tokens() >= max_tokens) || (max_cost_usd > 0 && spent.cost_usd >= max_cost_usd);
}

std::string transcript_sha256(const AgentResult& r) {
  return r.transcript.empty() || !std::filesystem::exists(r.transcript) ? "" : sha256_file(r.transcript);
}

}  // namespace kda::agents
