// The plan of a run (DESIGN §7): tasks, each with a goal and acceptance criteria that kda
// evaluates itself from the evaluator's traces — never from what an agent claims. plan.json is
// for kda, plan.md (rendered from it) for people. Once a run starts, the plan is frozen: its
// hash goes into the run's audit log and every CHECK verifies it.
#pragma once

#include <string>
#include <vector>

#include "core/json_io.h"
#include "task/trace.h"

namespace kda::loop {

inline constexpr int kPlanSchemaVersion = 1;

/// One machine predicate: `metric(split) op value`, e.g. geomean_speedup(hidden) >= 1.05.
struct Criterion {
  std::string metric;  ///< all_passed | geomean_speedup | min_speedup
  std::string op;      ///< >= > <= < ==
  double value = 0;    ///< all_passed: 1 (true)
  std::string split = "hidden";  ///< hidden | public | all
  std::string describe() const;
};

struct PlanTask {
  std::string id;
  std::string goal;
  std::vector<Criterion> criteria;
  bool review_required = true;
  int max_rounds = 6;
};

/// A task id names a directory of the run (tasks/<id>/), so it is a plain name: 1-64 of
/// [A-Za-z0-9._-], starting with a letter or digit. `/tmp/x` or `..` would make `kda run`
/// replace a directory outside the run (issue 14 §4).
bool is_safe_task_id(const std::string& id);

struct Plan {
  std::vector<PlanTask> tasks;
  int consult_after = 2;   ///< failed rounds before the verifier is asked for advice
  int escalate_after = 4;  ///< failed rounds before a person is asked (the run pauses)
  int stall_rounds = 3;    ///< rounds without progress before a task stops (going in circles)
  Json raw;
};

/// Parses and validates; errors name the file, field and what was expected (kInput).
Plan parse_plan(const Json& j, const std::string& origin);
Plan load_plan(const std::filesystem::path& path);
Json to_json(const Plan& p);
std::string to_markdown(const Plan& p, const std::string& task_name);
/// The plan the built-in writer proposes when none is given: correct on every hidden workload,
/// and faster than the pinned baseline there.
Plan default_plan();

/// What one evaluation shows for the criteria, per split.
struct Measured {
  bool all_passed = false;
  double geomean_speedup = 0;
  double min_speedup = 0;
  int workloads = 0;
};
Measured measure(const std::vector<Trace>& traces, const std::string& split);

struct CriterionResult {
  std::string criterion;
  bool holds = false;
  double measured = 0;
};
std::vector<CriterionResult> evaluate(const PlanTask& t, const std::vector<Trace>& traces);

}  // namespace kda::loop
