#include "tune/router.h"

#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include "build/builder.h"
#include "core/error.h"
#include "core/fs.h"

namespace kda {
namespace fs = std::filesystem;

namespace {

// Where the router reads an axis: shape[dim] of input or output `index`.
struct AxisSource {
  bool output = false;
  size_t index = 0;
  size_t dim = 0;
};

AxisSource locate_axis(const Definition& d, const std::string& axis) {
  auto find_in = [&](const std::vector<TensorSpec>& ts, bool output) -> std::optional<AxisSource> {
    for (size_t i = 0; i < ts.size(); ++i)
      for (size_t k = 0; k < ts[i].shape.size(); ++k)
        if (ts[i].shape[k] == axis) return AxisSource{output, i, k};
    return std::nullopt;
  };
  if (auto a = find_in(d.inputs, false)) return *a;
  if (auto a = find_in(d.outputs, true)) return *a;
  fail(ErrorKind::kInput, "axis " + axis + " of the regime key appears in no input or output shape of " + d.name);
}

std::string file_extension(const std::string& language) { return language == "cuda" ? ".cu" : language == "hip" ? ".hip" : ".cc"; }

bool is_translation_unit(const SourceFile& f) {
  static const std::regex tu(R"(\.(cc|cpp|cxx|c|cu|hip)$)");
  return std::regex_search(f.path, tu);
}

// A translation unit of a specialist is included, never compiled on its own: it gets ".inc"
// appended so the builder (which compiles every .cc/.cu it is given) leaves it alone.
std::string copied_path(size_t i, const SourceFile& f) {
  return "specialists/" + std::to_string(i) + "/" + f.path + (is_translation_unit(f) ? ".inc" : "");
}

// Every macro a specialist defines (its defaults, include guards) and every parameter: each is
// #undef'd before a specialist is included, so nothing one defines reaches the next.
std::set<std::string> macro_names(const std::vector<Variant>& specialists) {
  static const std::regex define(R"(^\s*#\s*define\s+([A-Za-z_]\w*))");
  std::set<std::string> names;
  for (const Variant& v : specialists) {
    for (auto& [name, value] : v.solution.params) names.insert(name);
    for (const SourceFile& f : v.solution.sources) {
      std::istringstream in(f.content);
      for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_search(line, m, define)) names.insert(m[1]);
      }
    }
  }
  return names;
}

std::vector<std::string> system_includes(const std::vector<Variant>& specialists) {
  static const std::regex include(R"(^\s*#\s*include\s*<[^>]+>)");
  std::vector<std::string> lines;
  for (const Variant& v : specialists)
    for (const SourceFile& f : v.solution.sources) {
      std::istringstream in(f.content);
      for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_search(line, m, include) &&
            std::find(lines.begin(), lines.end(), m.str(0)) == lines.end())
          lines.push_back(m.str(0));
      }
    }
  return lines;
}

std::string param_text(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string key_expression(const Definition& d, const RegimeKey& key) {
  if (key.axes.empty()) return "0";
  std::string e;
  for (const std::string& axis : key.axes) {
    AxisSource s = locate_axis(d, axis);
    e += (e.empty() ? "" : " * ") + std::string("static_cast<int64_t>(") + (s.output ? "out" : "in") + "[" +
         std::to_string(s.index) + "].shape[" + std::to_string(s.dim) + "])";
  }
  return e;
}

// Before reading a shape the router checks the tensor and dimension exist, so a malformed call
// gets the usual nonzero return instead of a read past the array.
std::string shape_guard(const Definition& d, const std::set<std::string>& axes) {
  std::string g;
  for (const std::string& axis : axes) {
    AxisSource s = locate_axis(d, axis);
    const std::string arr = s.output ? "out" : "in", n = s.output ? "n_out" : "n_in";
    g += "  if (" + n + " <= " + std::to_string(s.index) + " || " + arr + "[" + std::to_string(s.index) + "].ndim <= " +
         std::to_string(s.dim) + ") return 1;\n";
  }
  return g;
}

// The if-chain over one level of regimes; a tree's inner level nests in its outer regime's block.
void dispatch(std::ostringstream& o, const Definition& d, const RegimeKey& key, const std::vector<Regime>& regimes,
              const std::vector<size_t>& order, const std::string& var, const std::string& indent) {
  o << indent << "const int64_t " << var << " = " << key_expression(d, key) << ";\n" << indent << "(void)" << var << ";\n";
  for (const Regime& r : regimes) {
    const std::string cond = r.below ? "if (" + var + " < " + std::to_string(*r.below) + ") " : "";
    if (r.inner.empty()) {
      const size_t i = std::find(order.begin(), order.end(), r.variant) - order.begin();
      o << indent << cond << "return kda_specialist_" << i << "::kda_specialist_entry_" << i << "(in, n_in, out, n_out, stream);\n";
    } else {
      o << indent << cond << "{\n";
      dispatch(o, d, r.inner_key, r.inner, order, var + "_inner", indent + "  ");
      o << indent << "}\n";
    }
  }
}

std::string router_source(const RouterInput& in, const std::vector<size_t>& order) {
  const Segmentation& seg = in.segmentation;
  std::vector<Variant> used;
  for (size_t v : order) used.push_back(in.variants[v]);
  std::ostringstream o;
  o << "// Generated by kda tune: a shape router for " << in.definition->name << " on the " << in.backend
    << " backend.\n// Regime key: " << seg.key.label() << ". Do not edit: re-run kda tune (regimes.json has the table).\n"
    << "#include <dlpack/dlpack.h>\n#include <cstdint>\n";
  for (const std::string& line : system_includes(used)) o << line << "\n";
  const std::set<std::string> macros = macro_names(used);
  for (size_t i = 0; i < used.size(); ++i) {
    const Solution& s = used[i].solution;
    o << "\n// specialist " << i << ": " << s.name << "\nnamespace kda_specialist_" << i << " {\n";
    for (const std::string& m : macros) o << "#undef " << m << "\n";
    for (auto& [name, value] : s.params) o << "#define " << name << " " << param_text(value) << "\n";
    o << "#define " << s.entry_function() << " kda_specialist_entry_" << i << "\n";
    for (const SourceFile& f : s.sources)
      if (is_translation_unit(f)) o << "#include \"" << copied_path(i, f) << "\"\n";
    o << "#undef " << s.entry_function() << "\n}  // namespace kda_specialist_" << i << "\n";
  }
  for (const std::string& m : macros) o << "#undef " << m << "\n";
  std::set<std::string> axes(seg.key.axes.begin(), seg.key.axes.end());
  for (const Regime& r : seg.regimes) axes.insert(r.inner_key.axes.begin(), r.inner_key.axes.end());
  o << "\nextern \"C\" __attribute__((visibility(\"default\"))) int kda_entry(const DLTensor* in, int n_in, DLTensor* out, "
       "int n_out, void* stream) {\n"
    << shape_guard(*in.definition, axes);
  dispatch(o, *in.definition, seg.key, seg.regimes, order, "key", "  ");
  o << "}\n";
  return o.str();
}

}  // namespace

std::string describe_regimes(const Json& table) {
  std::function<std::string(const Json&, const std::string&)> level = [&](const Json& rs, const std::string& key) {
    std::string s;
    for (const Json& r : rs) {
      s += (s.empty() ? "" : "; ") + (r["below"].is_null() ? std::string("else") : key + " < " + r["below"].dump()) + ": ";
      s += r.contains("inner") ? "[" + level(r["inner"]["regimes"], r["inner"]["key"]["label"].get<std::string>()) + "]"
                               : r["variant"].get<std::string>();
    }
    return s;
  };
  return level(table["regimes"], table["key"]["label"].get<std::string>());
}

Json regime_table(const RouterInput& in) {
  const Segmentation& seg = in.segmentation;
  const std::vector<size_t> order = seg.specialists();
  Json specialists = Json::array();
  for (size_t v : order) {
    const Variant& var = in.variants[v];
    specialists.push_back({{"variant", var.solution.name}, {"solution", var.origin}, {"params", var.params},
                           {"hash", var.hash}});
  }
  std::function<Json(const std::vector<Regime>&)> level = [&](const std::vector<Regime>& rs) {
    Json out = Json::array();
    for (const Regime& r : rs) {
      Json j = {{"below", r.below ? Json(*r.below) : Json(nullptr)}};
      if (!r.inner.empty()) {
        j["inner"] = {{"key", to_json(r.inner_key)}, {"regimes", level(r.inner)}};
      } else {
        j["specialist"] = std::find(order.begin(), order.end(), r.variant) - order.begin();
        j["variant"] = in.variants[r.variant].solution.name;
      }
      out.push_back(j);
    }
    return out;
  };
  const Json regimes = level(seg.regimes);
  return Json{{"kda_regimes", kRegimesSchemaVersion},
              {"definition", in.definition->name},
              {"backend", in.backend},
              {"key", to_json(seg.key)},
              {"regimes", regimes},
              {"specialists", specialists},
              {"predicted", {{"geomean_ms", seg.geomean_ms}, {"oracle_geomean_ms", seg.oracle_geomean_ms},
                             {"regret", seg.regret}}},
              {"tuned_on", in.tuned_on}};
}

Solution write_router(const fs::path& dir, const RouterInput& in) {
  const std::vector<size_t> order = in.segmentation.specialists();
  if (order.empty()) fail(ErrorKind::kInput, "the segmentation has no regime");
  const std::string language = in.variants[order.front()].solution.language;
  const std::string entry = "router" + file_extension(language);

  fs::remove_all(dir / "specialists");
  Json sources = Json::array({{{"path", entry}}});
  std::set<std::string> flags, hardware;
  for (size_t i = 0; i < order.size(); ++i) {
    const Solution& s = in.variants[order[i]].solution;
    if (s.language != language)
      fail(ErrorKind::kInput, "specialists in different languages (" + language + ", " + s.language + ") cannot share a router");
    for (const SourceFile& f : s.sources) {
      // A header copy gets a first line of its own: GCC may treat byte-identical files as one
      // for #pragma once, and the next specialist's copy must be read again.
      write_file_atomic(dir / copied_path(i, f), is_translation_unit(f) ? f.content
                                                   : "// copy for specialist " + std::to_string(i) + "\n" + f.content);
      sources.push_back({{"path", copied_path(i, f)}});
    }
    flags.insert(s.extra_flags.begin(), s.extra_flags.end());
    hardware.insert(s.target_hardware.begin(), s.target_hardware.end());
  }
  write_file_atomic(dir / entry, router_source(in, order));
  const Json table = regime_table(in);
  write_file_atomic(dir / "regimes.json", table.dump(1) + "\n");

  std::string description = "Shape router generated by kda tune: " + describe_regimes(table) + " (regimes.json)";
  Json sol = {{"name", in.name},
              {"definition", in.definition->name},
              {"author", "kda tune"},
              {"description", description},
              {"spec", {{"language", language}, {"target_hardware", Json(std::vector<std::string>(hardware.begin(), hardware.end()))},
                        {"entry_point", entry + "::kda_entry"}}},
              {"sources", sources},
              {"kda", {{"schema_version", kSolutionSchemaVersion}, {"params", Json::object()},
                       {"build_flags", Json(std::vector<std::string>(flags.begin(), flags.end()))}}}};
  write_file_atomic(dir / "solution.json", sol.dump(1) + "\n");
  return load_solution(dir);
}

}  // namespace kda
