#include "loop/plan.h"

#include <cctype>
#include <cmath>
#include <set>

#include "core/error.h"
#include "eval/stats.h"

namespace kda::loop {
namespace {

[[noreturn]] void bad(const std::string& origin, const std::string& field, const std::string& what) {
  fail(ErrorKind::kInput, origin + ": " + field + ": " + what);
}

Criterion parse_criterion(const Json& c, const std::string& origin, const std::string& field) {
  if (!c.is_object()) bad(origin, field, "expected an object {\"metric\", \"op\", \"value\", \"split\"}");
  Criterion k;
  static const std::set<std::string> metrics = {"all_passed", "geomean_speedup", "min_speedup"};
  static const std::set<std::string> ops = {">=", ">", "<=", "<", "=="};
  static const std::set<std::string> splits = {"hidden", "public", "all"};
  if (!c.contains("metric") || !c["metric"].is_string() || !metrics.count(c["metric"].get<std::string>()))
    bad(origin, field + ".metric", "expected one of all_passed, geomean_speedup, min_speedup");
  k.metric = c["metric"];
  k.op = c.value("op", k.metric == "all_passed" ? "==" : ">=");
  if (!ops.count(k.op)) bad(origin, field + ".op", "expected one of >=, >, <=, <, ==");
  if (k.metric == "all_passed") {
    const Json v = c.value("value", Json(true));
    if (!v.is_boolean()) bad(origin, field + ".value", "all_passed takes true or false");
    k.value = v.get<bool>() ? 1 : 0;
  } else {
    if (!c.contains("value") || !c["value"].is_number()) bad(origin, field + ".value", "expected a number");
    k.value = c["value"].get<double>();
    if (!(k.value > 0) || !std::isfinite(k.value)) bad(origin, field + ".value", "a speedup bound must be positive");
  }
  k.split = c.value("split", "hidden");
  if (!splits.count(k.split)) bad(origin, field + ".split", "expected hidden, public or all");
  return k;
}

bool compare(double a, const std::string& op, double b) {
  if (op == ">=") return a >= b;
  if (op == ">") return a > b;
  if (op == "<=") return a <= b;
  if (op == "<") return a < b;
  return a == b;
}

}  // namespace

std::string Criterion::describe() const {
  if (metric == "all_passed") {
    const std::string each = std::string("status == PASSED on all ") + split + " workloads";
    return op == "==" && value == 1 ? each : "all_passed(" + split + ") " + op + " " + (value != 0 ? "true" : "false");
  }
  char v[32];
  std::snprintf(v, sizeof v, "%g", value);
  return metric + "(" + split + ") " + op + " " + v;
}

bool is_safe_task_id(const std::string& id) {
  if (id.empty() || id.size() > 64 || !std::isalnum(static_cast<unsigned char>(id[0]))) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

Plan parse_plan(const Json& j, const std::string& origin) {
  if (!j.is_object()) bad(origin, "(top level)", "expected a JSON object");
  const int version = j.value("schema_version", 0);
  if (version != kPlanSchemaVersion)
    bad(origin, "schema_version", "expected " + std::to_string(kPlanSchemaVersion) + " (got " + std::to_string(version) + ")");
  Plan p;
  p.raw = j;
  auto positive = [&](const char* key, int fallback) {
    const Json v = j.value(key, Json(fallback));
    if (!v.is_number_integer() || v.get<int>() < 1) bad(origin, key, "expected a positive integer");
    return v.get<int>();
  };
  p.consult_after = positive("consult_after", p.consult_after);
  p.escalate_after = positive("escalate_after", p.escalate_after);
  p.stall_rounds = positive("stall_rounds", p.stall_rounds);
  if (!j.contains("tasks") || !j["tasks"].is_array() || j["tasks"].empty())
    bad(origin, "tasks", "expected a non-empty array of tasks");
  std::set<std::string> ids;
  for (size_t i = 0; i < j["tasks"].size(); ++i) {
    const Json& t = j["tasks"][i];
    const std::string field = "tasks[" + std::to_string(i) + "]";
    if (!t.is_object()) bad(origin, field, "expected an object");
    PlanTask task;
    if (!t.contains("id") || !t["id"].is_string() || t["id"].get<std::string>().empty())
      bad(origin, field + ".id", "expected a non-empty string");
    task.id = t["id"];
    if (!is_safe_task_id(task.id))
      bad(origin, field + ".id", "'" + task.id + "' is not a safe name: the id names the task's directory in the run, so it "
          "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (no '/', no '..')");
    if (!ids.insert(task.id).second) bad(origin, field + ".id", "duplicate task id '" + task.id + "'");
    task.goal = t.value("goal", "");
    if (task.goal.empty()) bad(origin, field + ".goal", "say what the task is for, in words");
    if (!t.contains("criteria") || !t["criteria"].is_array() || t["criteria"].empty())
      bad(origin, field + ".criteria", "expected a non-empty array: a task without machine-checked criteria cannot pass");
    for (size_t c = 0; c < t["criteria"].size(); ++c)
      task.criteria.push_back(parse_criterion(t["criteria"][c], origin, field + ".criteria[" + std::to_string(c) + "]"));
    task.review_required = t.value("review_required", true);
    const Json mr = t.value("max_rounds", Json(task.max_rounds));
    if (!mr.is_number_integer() || mr.get<int>() < 1) bad(origin, field + ".max_rounds", "expected a positive integer");
    task.max_rounds = mr.get<int>();
    p.tasks.push_back(std::move(task));
  }
  return p;
}

Plan load_plan(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) fail(ErrorKind::kNotFound, "plan " + path.string() + " does not exist");
  return parse_plan(read_json_file(path), path.string());
}

Json to_json(const Plan& p) {
  Json tasks = Json::array();
  for (const PlanTask& t : p.tasks) {
    Json crit = Json::array();
    for (const Criterion& c : t.criteria) {
      Json v = c.metric == "all_passed" ? Json(c.value != 0) : Json(c.value);
      crit.push_back({{"metric", c.metric}, {"op", c.op}, {"value", v}, {"split", c.split}});
    }
    tasks.push_back({{"id", t.id}, {"goal", t.goal}, {"criteria", crit}, {"review_required", t.review_required},
                     {"max_rounds", t.max_rounds}});
  }
  return {{"schema_version", kPlanSchemaVersion}, {"tasks", tasks}, {"consult_after", p.consult_after},
          {"escalate_after", p.escalate_after}, {"stall_rounds", p.stall_rounds}};
}

std::string to_markdown(const Plan& p, const std::string& task_name) {
  std::string md = "# Plan for " + task_name + "\n\n";
  md += "Frozen when the run started: its hash is in the run's audit log, and kda checks it before every CHECK.\n\n";
  for (const PlanTask& t : p.tasks) {
    md += "## " + t.id + ": " + t.goal + "\n\nAcceptance (evaluated by kda from the evaluator's traces):\n\n";
    for (const Criterion& c : t.criteria) md += "- " + c.describe() + "\n";
    md += std::string("- verifier review: ") + (t.review_required ? "required" : "not required") + "\n";
    md += "- at most " + std::to_string(t.max_rounds) + " rounds\n\n";
  }
  md += "Consult the verifier after " + std::to_string(p.consult_after) + " failed rounds; escalate to a person after " +
        std::to_string(p.escalate_after) + "; stop a task after " + std::to_string(p.stall_rounds) +
        " rounds without progress.\n";
  return md;
}

Plan default_plan() {
  Json j = {{"schema_version", kPlanSchemaVersion},
            {"tasks", Json::array({{{"id", "T1"},
                                    {"goal", "A candidate that is correct on every hidden workload and faster than the pinned baseline there"},
                                    {"criteria", Json::array({{{"metric", "all_passed"}, {"value", true}, {"split", "hidden"}},
                                                              {{"metric", "geomean_speedup"}, {"op", ">="}, {"value", 1.05}, {"split", "hidden"}}})},
                                    {"review_required", true},
                                    {"max_rounds", 6}}})}};
  return parse_plan(j, "built-in plan");
}

Measured measure(const std::vector<Trace>& traces, const std::string& split) {
  Measured m;
  m.all_passed = true;
  std::vector<double> speedups;
  for (const Trace& t : traces) {
    const bool hidden = t.workload.split == Split::kHidden;
    if ((split == "hidden" && !hidden) || (split == "public" && hidden)) continue;
    ++m.workloads;
    if (t.status != Status::kPassed || !t.performance) {
      m.all_passed = false;
      continue;
    }
    speedups.push_back(t.performance->speedup_factor);
  }
  if (m.workloads == 0) m.all_passed = false;
  if (m.all_passed && !speedups.empty()) {
    m.geomean_speedup = geometric_mean(speedups);
    m.min_speedup = *std::min_element(speedups.begin(), speedups.end());
  }
  return m;
}

std::vector<CriterionResult> evaluate(const PlanTask& t, const std::vector<Trace>& traces) {
  std::vector<CriterionResult> out;
  for (const Criterion& c : t.criteria) {
    Measured m = measure(traces, c.split);
    double v = c.metric == "all_passed" ? (m.all_passed ? 1 : 0) : c.metric == "geomean_speedup" ? m.geomean_speedup : m.min_speedup;
    // A speedup over workloads that did not all pass means nothing: such criteria fail.
    bool holds = compare(v, c.op, c.value) && (c.metric == "all_passed" || m.all_passed);
    out.push_back({c.describe(), holds, v});
  }
  return out;
}

}  // namespace kda::loop
