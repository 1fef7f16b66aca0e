// Command-line coding agents (claude, codex, kimi, any program) started from a CommandSpec
// template (config.h). One run = one process, in the workspace as its working directory, in its
// own process group (killed whole on timeout), stdout and stderr kept in the transcript
// directory. The prompt goes on stdin, in a file, or as an argument, as the template says.
//
// A read-only request (verifier, analyst) runs under Landlock: every path readable, only the
// transcript directory and the template's `writable` paths (the tool's own state) writable. The
// network stays open, since the agent calls its model. Without Landlock a read-only agent is
// refused, never run unconfined.
#pragma once

#include <memory>

#include "agents/agent.h"
#include "agents/config.h"

namespace kda::agents {

/// Files it writes in transcript_dir: prompt.md, stdout.txt (the transcript), stderr.txt,
/// run.json ({argv, exit, timed_out, wall_seconds, confined}).
std::unique_ptr<Agent> make_command_agent(const AgentSpec& spec);

/// Replaces {prompt}, {prompt_file}, {workspace}, {transcript_dir} and a leading "~/".
std::string expand_placeholders(const std::string& s, const std::map<std::string, std::string>& values);

}  // namespace kda::agents
