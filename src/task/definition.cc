#include "task/definition.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>

#include "core/error.h"
#include "task/json_guard.h"

namespace kda {
namespace {

// A shape literal: decimal digits, at most 18 of them so that it always fits in int64_t.
bool is_integer_literal(const std::string& s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::vector<TensorSpec> parse_tensors(const Json& obj, const JsonCtx& ctx, const std::vector<Axis>& axes) {
  expect_object(obj, ctx);
  std::vector<TensorSpec> out;
  for (auto& [name, spec] : obj.items()) {
    JsonCtx c = ctx.at(name);
    expect_object(spec, c);
    TensorSpec t;
    t.name = name;
    std::string dt = required_string(spec, "dtype", c);
    auto parsed = parse_dtype(dt);
    if (!parsed)
      c.at("dtype").fail("unknown dtype '" + dt + "' (expected float32, float16, bfloat16, float8_e4m3fn, "
                         "float8_e5m2, int8, int16, int32, int64, uint8 or bool)");
    t.dtype = *parsed;
    t.description = optional_string(spec, "description", c).value_or("");
    auto it = spec.find("shape");
    if (it != spec.end() && !it->is_null()) {
      expect_array(*it, c.at("shape"));
      for (size_t i = 0; i < it->size(); ++i) {
        const Json& d = (*it)[i];
        std::string dim;
        if (d.is_string()) dim = d.get<std::string>();
        else if (d.is_number_unsigned() || (d.is_number_integer() && d.get<int64_t>() >= 0)) dim = std::to_string(d.get<int64_t>());
        else c.at("shape").at(i).fail("expected an axis name or a non-negative integer");
        if (!is_integer_literal(dim)) {
          if (!dim.empty() && std::isdigit(static_cast<unsigned char>(dim[0])))
            c.at("shape").at(i).fail("dimension literal '" + dim + "' is out of range");
          bool known = false;
          for (const Axis& a : axes) known |= a.name == dim;
          if (!known) c.at("shape").at(i).fail("axis '" + dim + "' is not declared in 'axes'");
        }
        t.shape.push_back(dim);
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<SourceFile> parse_sources(const Json& arr, const JsonCtx& ctx) {
  expect_array(arr, ctx);
  std::vector<SourceFile> out;
  for (size_t i = 0; i < arr.size(); ++i) {
    JsonCtx c = ctx.at(i);
    out.push_back({required_string(arr[i], "path", c), required_string(arr[i], "content", c)});
  }
  return out;
}

// Recursive-descent evaluator for kda.flops / kda.bytes.
class Formula {
 public:
  Formula(const std::string& s, const std::map<std::string, int64_t>& axes, const std::string& origin)
      : s_(s), axes_(axes), origin_(origin) {}
  double run() {
    double v = sum();
    skip();
    if (p_ != s_.size()) error("unexpected '" + std::string(1, s_[p_]) + "'");
    return v;
  }

 private:
  void skip() {
    while (p_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[p_]))) ++p_;
  }
  [[noreturn]] void error(const std::string& why) {
    fail(ErrorKind::kInput, origin_ + ": formula '" + s_ + "': " + why);
  }
  // A figure of merit that is inf or NaN would silently disable the roofline check.
  double finite(double v) {
    if (!std::isfinite(v)) error("overflows (the result is not a finite number)" + where());
    return v;
  }
  std::string where() const {
    std::string s;
    for (const auto& [name, value] : axes_) s += (s.empty() ? " at " : ", ") + name + "=" + std::to_string(value);
    return s;
  }
  double sum() {
    double v = product();
    for (skip(); p_ < s_.size() && (s_[p_] == '+' || s_[p_] == '-'); skip()) {
      char op = s_[p_++];
      double r = product();
      v = finite(op == '+' ? v + r : v - r);
    }
    return v;
  }
  double product() {
    double v = atom();
    for (skip(); p_ < s_.size() && (s_[p_] == '*' || s_[p_] == '/'); skip()) {
      char op = s_[p_++];
      double r = atom();
      if (op == '/' && r == 0) error("divides by zero" + where());
      v = finite(op == '*' ? v * r : v / r);
    }
    return v;
  }
  double atom() {
    skip();
    if (p_ >= s_.size()) error("ends too early");
    char c = s_[p_];
    if (c == '(') {
      ++p_;
      double v = sum();
      skip();
      if (p_ >= s_.size() || s_[p_] != ')') error("missing ')'");
      ++p_;
      return v;
    }
    if (c == '-') {
      ++p_;
      return -atom();
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      size_t b = p_;
      while (p_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[p_])) || s_[p_] == '.')) ++p_;
      std::string lit = s_.substr(b, p_ - b);
      char* end = nullptr;
      double v = std::strtod(lit.c_str(), &end);
      if (end != lit.c_str() + lit.size() || !std::isfinite(v)) error("bad number '" + lit + "'");
      return v;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t b = p_;
      while (p_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[p_])) || s_[p_] == '_')) ++p_;
      std::string name = s_.substr(b, p_ - b);
      auto it = axes_.find(name);
      if (it == axes_.end()) error("unknown axis '" + name + "'");
      return static_cast<double>(it->second);
    }
    error("unexpected '" + std::string(1, c) + "'");
  }
  const std::string& s_;
  const std::map<std::string, int64_t>& axes_;
  const std::string& origin_;
  size_t p_ = 0;
};

}  // namespace

const Axis* Definition::find_axis(const std::string& n) const {
  for (const Axis& a : axes)
    if (a.name == n) return &a;
  return nullptr;
}

const NativeReference* Definition::reference_for(const std::string& language) const {
  for (const NativeReference& r : native_references)
    if (r.language == language) return &r;
  return nullptr;
}

static Definition parse_definition_unguarded(const Json& j, const std::string& origin) {
  JsonCtx ctx(origin);
  expect_object(j, ctx);
  Definition d;
  d.raw = j;
  d.name = required_string(j, "name", ctx);
  if (d.name.empty()) ctx.at("name").fail("must not be empty");
  d.op_type = optional_string(j, "op_type", ctx).value_or("");
  d.description = optional_string(j, "description", ctx).value_or("");
  d.reference = optional_string(j, "reference", ctx).value_or("");
  if (auto t = j.find("tags"); t != j.end() && t->is_array())
    for (auto& x : *t)
      if (x.is_string()) d.tags.push_back(x.get<std::string>());

  const Json& axes = required_field(j, "axes", ctx);
  expect_object(axes, ctx.at("axes"));
  for (auto& [name, spec] : axes.items()) {
    JsonCtx c = ctx.at("axes").at(name);
    Axis a;
    a.name = name;
    std::string type = required_string(spec, "type", c);
    if (type == "const") {
      a.is_const = true;
      a.value = required_int(spec, "value", c);
      if (a.value < 0) c.at("value").fail("must be non-negative");
    } else if (type != "var") {
      c.at("type").fail("expected \"var\" or \"const\", found \"" + type + "\"");
    }
    a.description = optional_string(spec, "description", c).value_or("");
    d.axes.push_back(a);
  }
  d.inputs = parse_tensors(required_field(j, "inputs", ctx), ctx.at("inputs"), d.axes);
  d.outputs = parse_tensors(required_field(j, "outputs", ctx), ctx.at("outputs"), d.axes);
  if (d.outputs.empty()) ctx.at("outputs").fail("at least one output is required");
  std::set<std::string> names;
  for (auto* list : {&d.inputs, &d.outputs})
    for (const TensorSpec& t : *list)
      if (!names.insert(t.name).second) ctx.fail("tensor name '" + t.name + "' is used twice");

  if (auto k = j.find("kda"); k != j.end() && !k->is_null()) {
    JsonCtx kc = ctx.at("kda");
    expect_object(*k, kc);
    d.schema_version = static_cast<int>(optional_int(*k, "schema_version", kc).value_or(1));
    if (d.schema_version > kDefinitionSchemaVersion || d.schema_version < 1)
      kc.at("schema_version").fail("unsupported schema version " + std::to_string(d.schema_version) +
                                   " (this kda reads version " + std::to_string(kDefinitionSchemaVersion) + ")");
    if (auto t = k->find("tolerance"); t != k->end()) {
      JsonCtx tc = kc.at("tolerance");
      expect_object(*t, tc);
      d.tolerance.atol = optional_number(*t, "atol", tc).value_or(d.tolerance.atol);
      d.tolerance.rtol = optional_number(*t, "rtol", tc).value_or(d.tolerance.rtol);
      d.tolerance.required_matched_ratio =
          optional_number(*t, "required_matched_ratio", tc).value_or(d.tolerance.required_matched_ratio);
      if (!(d.tolerance.atol >= 0 && d.tolerance.rtol >= 0 && d.tolerance.required_matched_ratio >= 0 &&
            d.tolerance.required_matched_ratio <= 1))
        tc.fail("atol and rtol must be >= 0 and required_matched_ratio within [0, 1]");
    }
    d.flops_expr = optional_string(*k, "flops", kc).value_or("");
    d.bytes_expr = optional_string(*k, "bytes", kc).value_or("");
    d.comparator = optional_string(*k, "comparator", kc).value_or("allclose");
    if (d.comparator != "allclose" && d.comparator != "topk_indices" && d.comparator != "dsa_topk_indexer" &&
        d.comparator != "sampling")
      kc.at("comparator").fail("expected \"allclose\", \"topk_indices\", \"dsa_topk_indexer\" or \"sampling\"");
    // kda.sampling (the sampling comparator's parameters, eval/fib_rules.h): checked here so that a
    // typo fails when the file loads, not at a candidate's first call.
    if (auto sm = k->find("sampling"); sm != k->end() && !sm->is_null()) {
      JsonCtx sc = kc.at("sampling");
      expect_object(*sm, sc);
      for (auto& [key, value] : sm->items()) {
        if (key == "tvd_threshold") {
          if (!value.is_number() || !(value.get<double>() >= 0 && value.get<double>() <= 1))
            sc.at(key).fail("expected a number in [0, 1]");
        } else if (key == "validation_trials" || key == "samples_per_row" || key == "target_rows" || key == "max_tiled_bytes") {
          if (!value.is_number_integer() || value.get<int64_t>() < (key == "validation_trials" ? 0 : 1))
            sc.at(key).fail(key == "validation_trials" ? "expected an integer >= 0" : "expected an integer >= 1");
        } else {
          sc.at(key).fail("unknown field (expected validation_trials, tvd_threshold, samples_per_row, target_rows or max_tiled_bytes)");
        }
      }
    }
    if (auto r = k->find("reference"); r != k->end() && !r->is_null()) {
      JsonCtx rc = kc.at("reference");
      expect_array(*r, rc);
      for (size_t i = 0; i < r->size(); ++i) {
        NativeReference nr;
        nr.language = required_string((*r)[i], "language", rc.at(i));
        nr.entry_point = required_string((*r)[i], "entry_point", rc.at(i));
        nr.sources = parse_sources(required_field((*r)[i], "sources", rc.at(i)), rc.at(i).at("sources"));
        d.native_references.push_back(std::move(nr));
      }
    }
    if (auto in = k->find("inputs"); in != k->end() && !in->is_null()) {
      JsonCtx ic = kc.at("inputs");
      expect_object(*in, ic);
      for (auto& [name, spec] : in->items()) {
        JsonCtx c = ic.at(name);
        bool known = false;
        for (const TensorSpec& t : d.inputs) known |= t.name == name;
        if (!known) c.fail("'" + name + "' is not an input of this definition");
        expect_object(spec, c);
        std::string dist = optional_string(spec, "dist", c).value_or("normal");
        if (dist != "normal" && dist != "uniform") c.at("dist").fail("expected \"normal\" or \"uniform\"");
        double low = optional_number(spec, "low", c).value_or(0), high = optional_number(spec, "high", c).value_or(1);
        if (dist == "uniform" && !(low < high)) c.fail("uniform needs low < high");
      }
    }
    // Validate formulas now so that a typo, or a division by zero that no workload can avoid
    // ("N/0", "N/(N-N)"), fails at load time. A var axis is probed at 1 and at 2: a formula that
    // divides by zero only at some values ("N/(N-1)") is checked per workload by load_task_dir.
    for (const auto& [expr, what] : {std::pair{d.flops_expr, "kda.flops"}, std::pair{d.bytes_expr, "kda.bytes"}}) {
      if (expr.empty()) continue;
      std::optional<Error> first;
      bool ok = false;
      for (int64_t v : {1, 2}) {
        std::map<std::string, int64_t> probe;
        for (const Axis& a : d.axes) probe[a.name] = a.is_const ? a.value : v;
        try {
          eval_formula(expr, probe, origin + ": " + what);
          ok = true;
        } catch (const Error& e) {
          if (!first) first = e;
        }
      }
      if (!ok) throw *first;
    }
  }
  return d;
}

Definition parse_definition(const Json& j, const std::string& origin) {
  return guard_json(origin, [&] { return parse_definition_unguarded(j, origin); });
}

Definition load_definition(const std::filesystem::path& path) {
  // guard_json: core's parse_json lets nlohmann's number-overflow error (out_of_range.406) through.
  Json j = guard_json(path.string(), [&] { return read_json_file(path); });
  return parse_definition(j, path.string());
}

Json to_json(const Definition& d) {
  Json j = d.raw.is_object() ? d.raw : Json::object();
  j["name"] = d.name;
  j["op_type"] = d.op_type;
  j["description"] = d.description;
  Json axes = Json::object();
  for (const Axis& a : d.axes) {
    Json x = {{"type", a.is_const ? "const" : "var"}};
    if (a.is_const) x["value"] = a.value;
    if (!a.description.empty()) x["description"] = a.description;
    axes[a.name] = x;
  }
  j["axes"] = axes;
  auto tensors = [](const std::vector<TensorSpec>& ts) {
    Json o = Json::object();
    for (const TensorSpec& t : ts) {
      Json shape = Json::array();
      for (auto& s : t.shape) shape.push_back(s);
      o[t.name] = {{"shape", t.shape.empty() ? Json(nullptr) : shape}, {"dtype", dtype_name(t.dtype)}};
      if (!t.description.empty()) o[t.name]["description"] = t.description;
    }
    return o;
  };
  j["inputs"] = tensors(d.inputs);
  j["outputs"] = tensors(d.outputs);
  j["reference"] = d.reference;
  Json k = j.contains("kda") && j["kda"].is_object() ? j["kda"] : Json::object();
  k["schema_version"] = kDefinitionSchemaVersion;
  // Written only when the document had them or they were changed: an absent kda.tolerance or
  // kda.comparator means "flashinfer-bench's rules for this op_type" (eval/fib_rules.h), and a
  // definition written back must not freeze kda's defaults in their place.
  const Tolerance defaults;
  const bool tolerance_changed = d.tolerance.atol != defaults.atol || d.tolerance.rtol != defaults.rtol ||
                                 d.tolerance.required_matched_ratio != defaults.required_matched_ratio;
  if (k.contains("tolerance") || tolerance_changed)
    k["tolerance"] = {{"atol", d.tolerance.atol}, {"rtol", d.tolerance.rtol},
                      {"required_matched_ratio", d.tolerance.required_matched_ratio}};
  if (!d.flops_expr.empty()) k["flops"] = d.flops_expr;
  if (!d.bytes_expr.empty()) k["bytes"] = d.bytes_expr;
  if (k.contains("comparator") || d.comparator != "allclose") k["comparator"] = d.comparator;
  j["kda"] = k;
  return j;
}

std::map<std::string, int64_t> resolve_axes(const Definition& d, const std::map<std::string, int64_t>& vars,
                                            const std::string& origin) {
  std::map<std::string, int64_t> out;
  for (const Axis& a : d.axes) {
    if (a.is_const) {
      out[a.name] = a.value;
      continue;
    }
    auto it = vars.find(a.name);
    if (it == vars.end()) fail(ErrorKind::kInput, origin + ": var axis '" + a.name + "' has no value");
    if (it->second < 0) fail(ErrorKind::kInput, origin + ": axis '" + a.name + "' is negative");
    out[a.name] = it->second;
  }
  for (auto& [name, v] : vars) {
    const Axis* a = d.find_axis(name);
    if (!a) fail(ErrorKind::kInput, origin + ": axis '" + name + "' is not declared by definition " + d.name);
    if (a->is_const && a->value != v)
      fail(ErrorKind::kInput, origin + ": axis '" + name + "' is const " + std::to_string(a->value) + " in the definition");
  }
  return out;
}

std::vector<int64_t> resolve_shape(const TensorSpec& t, const std::map<std::string, int64_t>& axes) {
  std::vector<int64_t> shape;
  for (const std::string& s : t.shape) {
    if (is_integer_literal(s)) shape.push_back(std::stoll(s));
    else shape.push_back(axes.at(s));
  }
  return shape;
}

double eval_formula(const std::string& expr, const std::map<std::string, int64_t>& axes, const std::string& origin) {
  return Formula(expr, axes, origin).run();
}

}  // namespace kda
