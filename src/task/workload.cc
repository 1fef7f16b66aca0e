#include "task/workload.h"

#include <fstream>
#include <set>

#include "core/error.h"
#include "task/json_guard.h"
#include "core/fs.h"

namespace kda {

const char* to_string(Split s) { return s == Split::kHidden ? "hidden" : "public"; }

static Workload parse_workload_unguarded(const Json& line, const std::string& origin) {
  JsonCtx ctx(origin);
  expect_object(line, ctx);
  // flashinfer-bench writes a workload as a Trace with solution/evaluation null.
  const Json* w = &line;
  JsonCtx wc = ctx;
  Workload out;
  if (auto it = line.find("workload"); it != line.end()) {
    w = &*it;
    wc = ctx.at("workload");
    out.definition = optional_string(line, "definition", ctx).value_or("");
  }
  expect_object(*w, wc);
  out.raw = *w;
  out.uuid = required_string(*w, "uuid", wc);
  if (out.uuid.empty()) wc.at("uuid").fail("must not be empty");
  const Json& axes = required_field(*w, "axes", wc);
  expect_object(axes, wc.at("axes"));
  for (auto& [name, v] : axes.items()) {
    if (!v.is_number_integer()) wc.at("axes").at(name).fail("expected an integer axis value");
    out.axes[name] = v.get<int64_t>();
  }
  if (auto in = w->find("inputs"); in != w->end() && !in->is_null()) {
    JsonCtx ic = wc.at("inputs");
    expect_object(*in, ic);
    for (auto& [name, recipe] : in->items()) {
      JsonCtx rc = ic.at(name);
      InputRecipe r;
      std::string type = required_string(recipe, "type", rc);
      if (type == "random") {
        r.kind = InputRecipe::Kind::kRandom;
      } else if (type == "scalar") {
        r.kind = InputRecipe::Kind::kScalar;
        const Json& v = required_field(recipe, "value", rc);
        if (!v.is_number() && !v.is_boolean()) rc.at("value").fail("expected a number");
        r.scalar = v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>();
      } else if (type == "safetensors") {
        r.kind = InputRecipe::Kind::kSafetensors;
        r.path = required_string(recipe, "path", rc);
        r.tensor_key = optional_string(recipe, "tensor_key", rc).value_or(name);
        if (r.path.empty() || r.path[0] == '/' || r.path.find("..") != std::string::npos)
          rc.at("path").fail("must be a relative path inside the task directory");
      } else {
        rc.at("type").fail("expected \"random\", \"scalar\" or \"safetensors\", found \"" + type + "\"");
      }
      out.inputs[name] = r;
    }
  }
  const Json* k = nullptr;
  if (auto it = w->find("kda"); it != w->end()) k = &*it;
  else if (auto it2 = line.find("kda"); it2 != line.end()) k = &*it2;
  if (k && !k->is_null()) {
    JsonCtx kc = wc.at("kda");
    expect_object(*k, kc);
    std::string split = optional_string(*k, "split", kc).value_or("public");
    if (split == "hidden") out.split = Split::kHidden;
    else if (split != "public") kc.at("split").fail("expected \"public\" or \"hidden\"");
    auto version = optional_int(*k, "schema_version", kc).value_or(1);
    if (version != kWorkloadSchemaVersion) kc.at("schema_version").fail("unsupported schema version " + std::to_string(version));
  }
  return out;
}

Workload parse_workload(const Json& line, const std::string& origin) {
  return guard_json(origin, [&] { return parse_workload_unguarded(line, origin); });
}

std::vector<Workload> load_workloads(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) fail(ErrorKind::kNotFound, "cannot read " + path.string());
  std::vector<Workload> out;
  std::set<std::string> seen;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string origin = path.string() + ":" + std::to_string(n);
    Json j = guard_json(origin, [&] { return parse_json(line, origin); });
    Workload w = parse_workload(j, origin);
    w.origin = origin;
    if (!seen.insert(w.uuid).second) fail(ErrorKind::kInput, origin + ": duplicate workload uuid '" + w.uuid + "'");
    out.push_back(std::move(w));
  }
  return out;
}

// A scalar as it was read: an integer (a MoE's local_expert_offset: 192) or a bool stays one
// rather than becoming 192.0, which flashinfer-bench would hand to an int parameter as a float.
// A value set in code, or changed since it was read, is written as the double it is.
static Json scalar_json(const Workload& w, const std::string& name, double value) {
  if (w.raw.is_object())
    if (auto in = w.raw.find("inputs"); in != w.raw.end() && in->is_object())
      if (auto r = in->find(name); r != in->end() && r->is_object())
        if (auto v = r->find("value"); v != r->end()) {
          if (v->is_boolean() && (v->get<bool>() ? 1.0 : 0.0) == value) return *v;
          if (v->is_number_integer() && v->get<double>() == value) return *v;
        }
  return value;
}

Json to_json(const Workload& w) {
  Json inputs = Json::object();
  for (auto& [name, r] : w.inputs) {
    if (r.kind == InputRecipe::Kind::kRandom) inputs[name] = {{"type", "random"}};
    else if (r.kind == InputRecipe::Kind::kScalar) inputs[name] = {{"type", "scalar"}, {"value", scalar_json(w, name, r.scalar)}};
    else inputs[name] = {{"type", "safetensors"}, {"path", r.path}, {"tensor_key", r.tensor_key}};
  }
  Json axes = Json::object();
  for (auto& [k, v] : w.axes) axes[k] = v;
  Json wl = {{"uuid", w.uuid}, {"axes", axes}, {"inputs", inputs},
             {"kda", {{"schema_version", kWorkloadSchemaVersion}, {"split", to_string(w.split)}}}};
  return {{"definition", w.definition}, {"solution", nullptr}, {"workload", wl}, {"evaluation", nullptr}};
}

}  // namespace kda
