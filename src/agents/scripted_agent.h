// Scripted agents (DESIGN §7): replay a file of actions instead of calling a model, so that
// tests can play honest and adversarial writers and verifiers through the real loop.
//
// Replay file: JSON Lines; the first line is {"kda_replay": 1}; then one action per line:
//   {"action": "write_file", "path": P, "content": TEXT}    P relative to the workspace, or
//   {"action": "append_file", "path": P, "content": TEXT}   absolute, ".." allowed: adversaries
//   {"action": "delete_file", "path": P}                    must be able to try
//   {"action": "run", "argv": [...]}                        a program, in the workspace
//   {"action": "sleep", "seconds": S}
//   {"action": "final", "message": TEXT}                    the agent's answer (final_message)
//   {"action": "exit", "status": N}
// The actions run in a child process; for a read_only request that child is confined by the
// sandbox (everything read-only except the transcript directory) before the first action, so
// writes fail and are reported in the transcript and in AgentResult.error.
#pragma once

#include <filesystem>
#include <memory>

#include "agents/agent.h"

namespace kda::agents {

/// Throws kda::Error(kNotFound/kInput) for a missing or malformed replay file.
std::unique_ptr<Agent> make_scripted_agent(const std::filesystem::path& replay_file);

}  // namespace kda::agents
