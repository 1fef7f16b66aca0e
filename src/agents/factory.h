// Turns a configured AgentSpec (config.h) into a runnable Agent: command-line agents and the
// OpenAI-compatible agent. kda's own agents (the built-in search writer and rule-based verifier,
// src/loop) and scripted replay agents (scripted_agent.h) are made where they are named.
#pragma once

#include <memory>

#include "agents/agent.h"
#include "agents/config.h"

namespace kda::agents {

std::unique_ptr<Agent> make_agent(const AgentSpec& spec);

}  // namespace kda::agents
