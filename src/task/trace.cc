#include "task/trace.h"

#include "core/error.h"
#include "core/utf8.h"
#include "task/json_guard.h"

namespace kda {
namespace {

const char* kStatusNames[] = {"PASSED", "INCORRECT_SHAPE", "INCORRECT_DTYPE", "INCORRECT_NUMERICAL",
                              "RUNTIME_ERROR", "COMPILE_ERROR", "TIMEOUT", "REJECTED"};

}  // namespace

const char* to_string(Status s) { return kStatusNames[static_cast<int>(s)]; }

std::optional<Status> parse_status(std::string_view s) {
  for (int i = 0; i < 8; ++i)
    if (s == kStatusNames[i]) return static_cast<Status>(i);
  return std::nullopt;
}

Json to_json(const Trace& t) {
  Json eval = {{"status", to_string(t.status)},
               {"log", valid_utf8(t.log)},  // a candidate's or compiler's bytes (issue 14 §4)
               {"environment", {{"hardware", t.environment.hardware},
                                {"libs", {{"toolchain", t.environment.toolchain}, {"driver", t.environment.driver}}}}},
               {"timestamp", t.timestamp}};
  const bool with_correctness = t.correctness && (t.status == Status::kPassed || t.status == Status::kIncorrectNumerical);
  if (with_correctness) {
    const Correctness& c = *t.correctness;
    eval["correctness"] = {{"max_relative_error", c.max_relative_error}, {"max_absolute_error", c.max_absolute_error},
                           {"nan_count", c.nan_count}, {"inf_count", c.inf_count},
                           {"elements_outside_tolerance", c.elements_outside_tolerance},
                           {"elements_checked", c.elements_checked}};
  }
  Json kperf = nullptr;
  if (t.performance && t.status == Status::kPassed) {
    const Performance& p = *t.performance;
    eval["performance"] = {{"latency_ms", p.latency_ms}, {"reference_latency_ms", p.reference_latency_ms},
                           {"speedup_factor", p.speedup_factor}};
    kperf = {{"iqr_ms", p.iqr_ms}, {"samples", p.samples}, {"rel_stdev", p.rel_stdev},
             {"discarded_throttled", p.discarded_throttled}, {"roofline_floor_ms", p.roofline_floor_ms},
             {"fraction_of_roofline", p.fraction_of_roofline}, {"judge_wall_per_call_ms", p.judge_wall_per_call_ms}};
  }
  Json wl = to_json(t.workload)["workload"];
  const Provenance& pv = t.provenance;
  Json k = {{"schema_version", kTraceSchemaVersion},
            {"reason_code", t.reason_code},
            {"reason", valid_utf8(t.reason)},
            {"environment", {{"backend", t.environment.backend}, {"host", t.environment.host}, {"timer", t.environment.timer}}},
            {"performance", kperf},
            {"provenance", {{"definition_hash", pv.definition_hash}, {"solution_hash", pv.solution_hash},
                            {"baseline_hash", pv.baseline_hash}, {"reference_hash", pv.reference_hash},
                            {"workload_hash", pv.workload_hash}, {"evaluator_build", pv.evaluator_build},
                            {"seed_commitment", pv.seed_commitment}, {"seed", pv.seed}}}};
  return {{"definition", t.definition}, {"workload", wl}, {"solution", t.solution}, {"evaluation", eval}, {"kda", k}};
}

static Trace parse_trace_unguarded(const Json& j, const std::string& origin) {
  JsonCtx ctx(origin);
  expect_object(j, ctx);
  Trace t;
  t.definition = optional_string(j, "definition", ctx).value_or("");
  t.solution = optional_string(j, "solution", ctx).value_or("");
  t.workload = parse_workload(j, origin);
  const Json& ev = required_field(j, "evaluation", ctx);
  JsonCtx ec = ctx.at("evaluation");
  expect_object(ev, ec);
  std::string st = required_string(ev, "status", ec);
  auto status = parse_status(st);
  if (!status) ec.at("status").fail("unknown status \"" + st + "\"");
  t.status = *status;
  t.log = optional_string(ev, "log", ec).value_or("");
  t.timestamp = optional_string(ev, "timestamp", ec).value_or("");
  if (auto e = ev.find("environment"); e != ev.end() && e->is_object()) {
    t.environment.hardware = e->value("hardware", "");
    if (auto l = e->find("libs"); l != e->end() && l->is_object()) {
      t.environment.toolchain = l->value("toolchain", "");
      t.environment.driver = l->value("driver", "");
    }
  }
  if (auto c = ev.find("correctness"); c != ev.end() && c->is_object()) {
    Correctness cc;
    cc.max_relative_error = c->value("max_relative_error", 0.0);
    cc.max_absolute_error = c->value("max_absolute_error", 0.0);
    cc.nan_count = c->value("nan_count", int64_t{0});
    cc.inf_count = c->value("inf_count", int64_t{0});
    cc.elements_outside_tolerance = c->value("elements_outside_tolerance", int64_t{0});
    cc.elements_checked = c->value("elements_checked", int64_t{0});
    t.correctness = cc;
  }
  if (auto p = ev.find("performance"); p != ev.end() && p->is_object()) {
    Performance pp;
    pp.latency_ms = p->value("latency_ms", 0.0);
    pp.reference_latency_ms = p->value("reference_latency_ms", 0.0);
    pp.speedup_factor = p->value("speedup_factor", 0.0);
    t.performance = pp;
  }
  if (auto k = j.find("kda"); k != j.end() && k->is_object()) {
    t.reason_code = k->value("reason_code", "");
    t.reason = k->value("reason", "");
    if (auto e = k->find("environment"); e != k->end() && e->is_object()) {
      t.environment.backend = e->value("backend", "");
      t.environment.host = e->value("host", "");
      t.environment.timer = e->value("timer", "");
    }
    if (auto p = k->find("performance"); p != k->end() && p->is_object() && t.performance) {
      t.performance->iqr_ms = p->value("iqr_ms", 0.0);
      t.performance->samples = p->value("samples", 0);
      t.performance->rel_stdev = p->value("rel_stdev", 0.0);
      t.performance->discarded_throttled = p->value("discarded_throttled", 0);
      t.performance->roofline_floor_ms = p->value("roofline_floor_ms", 0.0);
      t.performance->fraction_of_roofline = p->value("fraction_of_roofline", 0.0);
      t.performance->judge_wall_per_call_ms = p->value("judge_wall_per_call_ms", 0.0);
    }
    if (auto p = k->find("provenance"); p != k->end() && p->is_object()) {
      Provenance& v = t.provenance;
      v.definition_hash = p->value("definition_hash", "");
      v.solution_hash = p->value("solution_hash", "");
      v.baseline_hash = p->value("baseline_hash", "");
      v.reference_hash = p->value("reference_hash", "");
      v.workload_hash = p->value("workload_hash", "");
      v.evaluator_build = p->value("evaluator_build", "");
      v.seed_commitment = p->value("seed_commitment", "");
      v.seed = p->value("seed", "");
    }
  }
  return t;
}

Trace parse_trace(const Json& j, const std::string& origin) {
  return guard_json(origin, [&] { return parse_trace_unguarded(j, origin); });
}

}  // namespace kda
