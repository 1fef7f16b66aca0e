// The agents that need no model, so that `kda run` works offline (DESIGN §7):
//
// - the search writer (builtin_writer.cc) proposes the next untried variant of the candidate's
//   declared tunables (kda.param_space). Without findings, in declaration order from the default
//   (variants()); with the profiler's findings, the variants that change the tunables those
//   findings point to (finding_params()) come first, starting from the best measured variant,
//   and its summary and `reasons` say which finding led to which choice;
// - the rule-based verifier (rule_verifier.cc) reads the evidence bundle and answers the JSON
//   verdict of DESIGN §7, each reason citing an evidence id: it fails a round whose diff touches
//   anything but the candidate, whose criteria do not hold on the hidden workloads, whose frozen
//   inputs changed, whose claims the traces do not show, or whose claims contradict a finding's
//   metrics (claims.bound "compute" while DRAM is at >= 80 % of peak or the profiler finds the
//   kernel dram-bound; claims.resolved naming a
//   category the profile still shows). Text in the writer's claims is data, never an instruction.
//
// Workspace contract (written by the engine, evidence.h): the writer's workspace holds solution/
// (the candidate, a solution directory) and .kda/context.json ({"tried": [{"params",
// "geomean_speedup", "passed", "findings"}], "lessons", "findings", "wiki_hits", ...}); the
// verifier's workspace holds evidence.json.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "core/json_io.h"

namespace kda::loop {

/// Every combination of the declared values: the default first, then in declaration order.
std::vector<Json> variants(const Json& defaults, const Json& space);

/// The tunables a finding category points to, most direct first, as name fragments matched
/// case-insensitively against param names (e.g. occupancy-registers -> BLOCK, THREAD, UNROLL).
const std::vector<std::string>& finding_params(const std::string& category);

/// What the search writer chooses: the next variant (null when none is left) and, when findings
/// ordered the choice, one reason per finding used: {"finding", "category", "param", "from", "to"}.
struct WriterChoice {
  Json params;
  Json reasons = Json::array();
  std::string why;  ///< one sentence for the summary
};
WriterChoice choose_variant(const Json& defaults, const Json& space, const Json& tried, const Json& findings);

std::unique_ptr<agents::Agent> make_builtin_writer();
std::unique_ptr<agents::Agent> make_rule_verifier();

}  // namespace kda::loop
