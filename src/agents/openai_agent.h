// An agent on an OpenAI-compatible chat-completions endpoint, driven by kda's own tool loop:
// kda sends the conversation and the workspace tools (workspace_tools.h), runs the tool calls
// the model makes, and stops at the first answer without a tool call (the final message).
//
// Robustness: 429, 5xx, timeouts, transport errors and malformed answers (not JSON, no
// choices, broken stream) are retried with exponential backoff (Retry-After wins), up to
// max_retries per call; other 4xx end the session with the server's message. Token usage is
// summed from the server's usage fields and priced with the spec's per-million rates.
// Transcript: transcript.jsonl in transcript_dir, one record per request, answer, tool call and
// retry (tool outputs truncated).
#pragma once

#include <memory>

#include "agents/agent.h"
#include "agents/config.h"

namespace kda::agents {

std::unique_ptr<Agent> make_openai_agent(const AgentSpec& spec);

}  // namespace kda::agents
