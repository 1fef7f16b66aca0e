#include "task/trace.h"

#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/utf8.h"
#include "task/json_guard.h"

namespace kda {
namespace {

const char* kStatusNames[] = {"PASSED", "INCORRECT_SHAPE", "INCORRECT_DTYPE", "INCORRECT_NUMERICAL",
                              "RUNTIME_ERROR", "COMPILE_ERROR", "TIMEOUT", "REJECTED"};

// A number as flashinfer-bench (pydantic, ser_json_inf_nan="strings") writes it: JSON has no
// NaN or infinity, and nlohmann would write them as null, which its models refuse.
Json num(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

// Reads what num() writes, and what pydantic accepts for a float ("nan", "inf", "-inf" too).
// Missing or null: `dflt`.
double number_at(const Json& obj, const char* key, double dflt, const JsonCtx& ctx) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return dflt;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    std::string s = it->get<std::string>();
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s == "nan" || s == "+nan" || s == "-nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "infinity" || s == "+infinity" || s == "inf" || s == "+inf") return std::numeric_limits<double>::infinity();
    if (s == "-infinity" || s == "-inf") return -std::numeric_limits<double>::infinity();
  }
  ctx.at(key).fail("expected a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
}

int64_t int_at(const Json& obj, const char* key, const JsonCtx& ctx) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number()) return static_cast<int64_t>(it->get<double>());
  ctx.at(key).fail("expected an integer");
}

std::string string_at(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

// `base`'s object at `key` (a copy), or an empty object.
Json object_in(const Json& base, const char* key) {
  if (base.is_object())
    if (auto it = base.find(key); it != base.end() && it->is_object()) return *it;
  return Json::object();
}

}  // namespace

const char* to_string(Status s) { return kStatusNames[static_cast<int>(s)]; }

const char* fib_status(Status s) { return s == Status::kRejected ? "RUNTIME_ERROR" : to_string(s); }

std::optional<Status> parse_status(std::string_view s) {
  for (int i = 0; i < 8; ++i)
    if (s == kStatusNames[i]) return static_cast<Status>(i);
  return std::nullopt;
}

Json to_json(const Trace& t) {
  // Someone else's trace (read without a "kda" block) is written back as it came: kda's own
  // additions (libs toolchain/driver, correctness.extra counters, the kda block) stay out.
  const bool foreign = t.raw.is_object() && !t.raw.contains("kda");
  const Json raw_eval = object_in(t.raw, "evaluation");
  Json eval = raw_eval;
  eval["status"] = fib_status(t.status);
  eval["log"] = valid_utf8(t.log);  // a candidate's or compiler's bytes (issue 14 §4)
  Json env = object_in(raw_eval, "environment");
  // flashinfer-bench requires a non-empty hardware name; a trace made before the runner
  // described its device (a compile error) names the backend instead.
  env["hardware"] = !t.environment.hardware.empty() ? t.environment.hardware
                    : !t.environment.backend.empty() ? t.environment.backend
                                                      : std::string("unknown");
  Json libs = object_in(env, "libs");
  if (!t.environment.toolchain.empty() || (!foreign && !libs.contains("toolchain"))) libs["toolchain"] = t.environment.toolchain;
  if (!t.environment.driver.empty() || (!foreign && !libs.contains("driver"))) libs["driver"] = t.environment.driver;
  env["libs"] = libs;
  eval["environment"] = env;
  eval["timestamp"] = t.timestamp.empty() ? std::string("unknown") : t.timestamp;
  // flashinfer-bench's table: correctness with PASSED and INCORRECT_NUMERICAL only, performance
  // with PASSED only; anything else is refused by its model.
  // A key the document had as null stays null (pydantic reads both as None); keys are set in
  // place, so a document read keeps its key order.
  const bool with_correctness = t.correctness && (t.status == Status::kPassed || t.status == Status::kIncorrectNumerical);
  if (with_correctness) {
    const Correctness& c = *t.correctness;
    Json cj = object_in(raw_eval, "correctness");
    cj["max_relative_error"] = num(c.max_relative_error);
    cj["max_absolute_error"] = num(c.max_absolute_error);
    if (!foreign) {
      Json extra = object_in(cj, "extra");
      extra["nan_count"] = c.nan_count;
      extra["inf_count"] = c.inf_count;
      extra["elements_outside_tolerance"] = c.elements_outside_tolerance;
      extra["elements_checked"] = c.elements_checked;
      cj["extra"] = extra;
    }
    eval["correctness"] = cj;
  }
  const bool with_performance = t.performance && t.status == Status::kPassed;
  if (!with_correctness && eval.contains("correctness") && !eval["correctness"].is_null()) eval.erase("correctness");
  if (!with_performance && eval.contains("performance") && !eval["performance"].is_null()) eval.erase("performance");
  Json kperf = nullptr;
  if (with_performance) {
    const Performance& p = *t.performance;
    double ref_ms = p.definition_reference_ms, ref_speedup = p.definition_reference_speedup;
    // The baseline IS the reference (a task without a baseline, e.g. a dataset definition with
    // only its PyTorch reference): the baseline's figures are the reference's.
    const bool baseline_is_reference = !t.provenance.baseline_hash.empty() && t.provenance.baseline_hash == t.provenance.reference_hash;
    if (ref_ms == 0 && baseline_is_reference) ref_ms = p.reference_latency_ms, ref_speedup = p.speedup_factor;
    if (ref_speedup == 0 && ref_ms > 0 && p.latency_ms > 0) ref_speedup = ref_ms / p.latency_ms;
    Json pj = object_in(raw_eval, "performance");
    pj["latency_ms"] = num(p.latency_ms);
    pj["reference_latency_ms"] = num(ref_ms);
    pj["speedup_factor"] = num(ref_speedup);
    eval["performance"] = pj;
    kperf = {{"baseline_latency_ms", num(p.reference_latency_ms)}, {"baseline_speedup_factor", num(p.speedup_factor)},
             {"baseline_samples", p.baseline_samples}, {"iqr_ms", num(p.iqr_ms)}, {"samples", p.samples}, {"rel_stdev", num(p.rel_stdev)},
             {"discarded_throttled", p.discarded_throttled}, {"roofline_floor_ms", num(p.roofline_floor_ms)},
             {"fraction_of_roofline", num(p.fraction_of_roofline)}, {"judge_wall_per_call_ms", num(p.judge_wall_per_call_ms)}};
  }
  // A trace read from a file keeps its workload as written (scalars, key order, extra fields).
  Json wl = t.raw.is_object() && t.raw.contains("workload") && t.raw["workload"].is_object() &&
                    t.raw["workload"].value("uuid", "") == t.workload.uuid
                ? t.raw["workload"]
                : to_json(t.workload)["workload"];
  Json out = t.raw.is_object() ? t.raw : Json::object();
  out["definition"] = t.definition;
  out["workload"] = wl;
  out["solution"] = t.solution;
  out["evaluation"] = eval;
  if (foreign) return out;
  const Provenance& pv = t.provenance;
  Json k = object_in(t.raw, "kda");
  k["schema_version"] = kTraceSchemaVersion;
  k["status"] = to_string(t.status);
  k["reason_code"] = t.reason_code;
  k["reason"] = valid_utf8(t.reason);
  k["environment"] = {{"backend", t.environment.backend}, {"host", t.environment.host}, {"timer", t.environment.timer}};
  k["performance"] = kperf;
  k["provenance"] = {{"definition_hash", pv.definition_hash}, {"solution_hash", pv.solution_hash},
                     {"baseline_hash", pv.baseline_hash}, {"reference_hash", pv.reference_hash},
                     {"workload_hash", pv.workload_hash}, {"evaluator_build", pv.evaluator_build},
                     {"seed_commitment", pv.seed_commitment}, {"seed", pv.seed}};
  out["kda"] = k;
  return out;
}

static Trace parse_trace_unguarded(const Json& j, const std::string& origin) {
  JsonCtx ctx(origin);
  expect_object(j, ctx);
  Trace t;
  t.raw = j;
  t.definition = optional_string(j, "definition", ctx).value_or("");
  t.solution = j.contains("solution") && j["solution"].is_null() ? "" : optional_string(j, "solution", ctx).value_or("");
  t.workload = parse_workload(j, origin);
  const Json& ev = required_field(j, "evaluation", ctx);
  JsonCtx ec = ctx.at("evaluation");
  if (ev.is_null()) ec.fail("is null: this line is a workload, not a trace");
  expect_object(ev, ec);
  std::string st = required_string(ev, "status", ec);
  auto status = parse_status(st);
  if (!status) ec.at("status").fail("unknown status \"" + st + "\"");
  t.status = *status;
  t.log = optional_string(ev, "log", ec).value_or("");
  t.timestamp = optional_string(ev, "timestamp", ec).value_or("");
  if (auto e = ev.find("environment"); e != ev.end() && e->is_object()) {
    t.environment.hardware = optional_string(*e, "hardware", ec.at("environment")).value_or("");
    if (auto l = e->find("libs"); l != e->end() && l->is_object()) {
      t.environment.toolchain = string_at(*l, "toolchain");
      t.environment.driver = string_at(*l, "driver");
    }
  }
  if (auto c = ev.find("correctness"); c != ev.end() && c->is_object()) {
    JsonCtx cc_ctx = ec.at("correctness");
    Correctness cc;
    cc.max_relative_error = number_at(*c, "max_relative_error", 0.0, cc_ctx);
    cc.max_absolute_error = number_at(*c, "max_absolute_error", 0.0, cc_ctx);
    // kda writes its counters under correctness.extra; traces of kda before that, beside.
    const Json extra = c->contains("extra") && (*c)["extra"].is_object() ? (*c)["extra"] : *c;
    JsonCtx xc = c->contains("extra") ? cc_ctx.at("extra") : cc_ctx;
    cc.nan_count = int_at(extra, "nan_count", xc);
    cc.inf_count = int_at(extra, "inf_count", xc);
    cc.elements_outside_tolerance = int_at(extra, "elements_outside_tolerance", xc);
    cc.elements_checked = int_at(extra, "elements_checked", xc);
    t.correctness = cc;
  }
  const Json* k = nullptr;
  if (auto it = j.find("kda"); it != j.end() && it->is_object()) k = &*it;
  const Json* kp = nullptr;
  if (k)
    if (auto it = k->find("performance"); it != k->end() && it->is_object()) kp = &*it;
  if (auto p = ev.find("performance"); p != ev.end() && p->is_object()) {
    JsonCtx pc = ec.at("performance");
    Performance pp;
    pp.latency_ms = number_at(*p, "latency_ms", 0.0, pc);
    const double ref = number_at(*p, "reference_latency_ms", 0.0, pc), speedup = number_at(*p, "speedup_factor", 0.0, pc);
    if (kp && kp->contains("baseline_latency_ms")) {
      pp.definition_reference_ms = ref;
      pp.definition_reference_speedup = speedup;
      JsonCtx kc = ctx.at("kda").at("performance");
      pp.reference_latency_ms = number_at(*kp, "baseline_latency_ms", 0.0, kc);
      pp.speedup_factor = number_at(*kp, "baseline_speedup_factor", 0.0, kc);
      pp.baseline_samples = static_cast<int>(number_at(*kp, "baseline_samples", 0.0, kc));
    } else if (k) {
      // A kda trace of schema 1 before the reference/baseline split: its evaluation figures
      // were the baseline's, and the reference was not timed.
      pp.reference_latency_ms = ref;
      pp.speedup_factor = speedup;
    } else {
      // flashinfer-bench's own trace: its only comparison is the reference.
      pp.definition_reference_ms = pp.reference_latency_ms = ref;
      pp.definition_reference_speedup = pp.speedup_factor = speedup;
    }
    t.performance = pp;
  }
  if (k) {
    JsonCtx kc = ctx.at("kda");
    if (auto s = string_at(*k, "status"); !s.empty()) {
      auto ks = parse_status(s);
      if (!ks) kc.at("status").fail("unknown status \"" + s + "\"");
      t.status = *ks;
    }
    t.reason_code = string_at(*k, "reason_code");
    t.reason = string_at(*k, "reason");
    if (auto e = k->find("environment"); e != k->end() && e->is_object()) {
      t.environment.backend = string_at(*e, "backend");
      t.environment.host = string_at(*e, "host");
      t.environment.timer = string_at(*e, "timer");
    }
    if (kp && t.performance) {
      JsonCtx pc = kc.at("performance");
      t.performance->iqr_ms = number_at(*kp, "iqr_ms", 0.0, pc);
      t.performance->samples = static_cast<int>(int_at(*kp, "samples", pc));
      t.performance->rel_stdev = number_at(*kp, "rel_stdev", 0.0, pc);
      t.performance->discarded_throttled = static_cast<int>(int_at(*kp, "discarded_throttled", pc));
      t.performance->roofline_floor_ms = number_at(*kp, "roofline_floor_ms", 0.0, pc);
      t.performance->fraction_of_roofline = number_at(*kp, "fraction_of_roofline", 0.0, pc);
      t.performance->judge_wall_per_call_ms = number_at(*kp, "judge_wall_per_call_ms", 0.0, pc);
    }
    if (auto p = k->find("provenance"); p != k->end() && p->is_object()) {
      Provenance& v = t.provenance;
      v.definition_hash = string_at(*p, "definition_hash");
      v.solution_hash = string_at(*p, "solution_hash");
      v.baseline_hash = string_at(*p, "baseline_hash");
      v.reference_hash = string_at(*p, "reference_hash");
      v.workload_hash = string_at(*p, "workload_hash");
      v.evaluator_build = string_at(*p, "evaluator_build");
      v.seed_commitment = string_at(*p, "seed_commitment");
      v.seed = string_at(*p, "seed");
    }
  }
  return t;
}

Trace parse_trace(const Json& j, const std::string& origin) {
  return guard_json(origin, [&] { return parse_trace_unguarded(j, origin); });
}

}  // namespace kda
