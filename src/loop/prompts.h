// prompts: what the loop tells its agents, as text (the data they need is in files beside it:
// the writer's .kda/context.json, the verifier's evidence.json; evidence.h).
#pragma once

#include <string>

#include "agents/agent.h"
#include "loop/plan.h"

namespace kda::loop {

/// The writer's prompt for round `n`: the goal, the criteria (checked on hidden workloads it
/// never sees), where its context is, the commands it may run with their forms (timing,
/// profiling, profile diff, wiki search), and the answer's JSON format, claims included.
std::string writer_prompt(const PlanTask& t, int n, const agents::Permissions& perms, const std::string& profiler_note);

/// The verifier's prompt: read evidence.json, answer the JSON verdict citing evidence ids.
std::string verifier_prompt(const PlanTask& t, int n);

}  // namespace kda::loop
