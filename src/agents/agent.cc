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

std::string transcript_sha256(const AgentResult& r) {
  return r.transcript.empty() || !std::filesystem::exists(r.transcript) ? "" : sha256_file(r.transcript);
}

}  // namespace kda::agents
