#include "agents/factory.h"

#include "agents/command_agent.h"
#include "agents/openai_agent.h"
#include "core/error.h"

namespace kda::agents {

std::unique_ptr<Agent> make_agent(const AgentSpec& spec) {
  if (spec.kind == "command") return make_command_agent(spec);
  if (spec.kind == "openai") return make_openai_agent(spec);
  fail(ErrorKind::kInput, "agent '" + spec.name + "' (" + spec.origin + "): unknown kind '" + spec.kind + "'");
}

}  // namespace kda::agents
