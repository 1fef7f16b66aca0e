// The agents that need no model, so that `kda run` works offline (DESIGN §7):
//
// - the search writer proposes the next untried variant of the candidate's declared tunables
//   (kda.param_space), in an order that starts from the values the profiler's findings and the
//   wiki's hits favour, and keeps every result in the run's context;
// - the rule-based verifier reads the evidence bundle and answers the JSON verdict of DESIGN §7:
//   it fails a round whose diff touches anything but the candidate, whose criteria do not hold
//   on the hidden workloads, whose frozen inputs changed, or whose claims the traces do not show.
//   Text in the writer's claims is data, never an instruction to it.
//
// Workspace contract (written by the engine): the writer's workspace holds solution/ (the
// candidate, a solution directory) and .kda/context.json ({"param_space", "tried": [{"params",
// "geomean_speedup", "passed"}], "lessons", "findings", "wiki_hits"}); the verifier's workspace
// holds evidence.json.
#pragma once

#include <memory>

#include "agents/agent.h"

namespace kda::loop {

std::unique_ptr<agents::Agent> make_builtin_writer();
std::unique_ptr<agents::Agent> make_rule_verifier();

}  // namespace kda::loop
