// evidence: what the agents of a round read. Formats (docs/loop.md, "Evidence"):
// - the writer's workspace/.kda/context.json: {"task", "goal", "round", "param_space", "tried":
//   [{"round", "params", "geomean_speedup", "passed", "findings": [categories]}], "advice",
//   "lessons", "findings" (the last profile's, ranked, with ids and metric evidence),
//   "profile_diff" (against the incumbent), "profiled_round", "wiki_hits" [{"id", "title",
//   "kind", "why"}], "note"};
// - the verifier's evidence/evidence.json: {"task", "round", "goal", "diff_files", "claims",
//   "checks", "integrity_ok", "integrity_problem", "profile", "evidence_ids"}, where
//   evidence_ids maps every citable id (trace:<workload>, criterion:<n>, finding:<kernel>/<category>,
//   metric:<kernel>/<quantity>, diff, integrity, claims, profile) to what it is.
#pragma once

#include <string>

#include "core/json_io.h"
#include "loop/plan.h"

namespace kda::loop {

/// The verifier's evidence bundle for one round. `profile` is the round's PROFILE record
/// (round_profile.cc) or null.
Json evidence_bundle(const PlanTask& t, int n, const Json& write, const Json& check, const Json& profile);

/// The ids of evidence.json and what each one is (also used by tests and the rule verifier).
Json evidence_ids(const Json& check, const Json& profile);

}  // namespace kda::loop
