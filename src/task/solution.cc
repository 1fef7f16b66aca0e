#include "task/solution.h"

#include <algorithm>

#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "task/build_flags.h"
#include "task/json_guard.h"

namespace kda {
namespace fs = std::filesystem;

namespace {

void check_relative(const std::string& p, const JsonCtx& c) {
  if (p.empty() || p[0] == '/' || p.find("..") != std::string::npos || p.find('\\') != std::string::npos)
    c.fail("source path '" + p + "' must be relative and stay inside the solution");
}

// A symlink among a directory solution's files must not pull in a file from elsewhere (a judge
// secret, say) as "source".
void check_inside(const fs::path& dir, const fs::path& file, const JsonCtx& c) {
  const fs::path root = fs::weakly_canonical(dir), real = fs::weakly_canonical(file);
  auto r = real.begin();
  for (auto it = root.begin(); it != root.end(); ++it, ++r)
    if (r == real.end() || *r != *it) c.fail("file " + file.string() + " resolves outside the solution directory");
}

Solution parse(const Json& j, const std::string& origin, const fs::path* dir) {
  JsonCtx ctx(origin);
  expect_object(j, ctx);
  Solution s;
  s.raw = j;
  s.name = required_string(j, "name", ctx);
  s.definition = optional_string(j, "definition", ctx).value_or("");
  s.author = optional_string(j, "author", ctx).value_or("");
  s.description = optional_string(j, "description", ctx).value_or("");
  const Json& spec = required_field(j, "spec", ctx);
  JsonCtx sc = ctx.at("spec");
  s.language = required_string(spec, "language", sc);
  static const char* kLanguages[] = {"cpp", "cuda", "hip", "triton", "python"};
  if (std::find(std::begin(kLanguages), std::end(kLanguages), s.language) == std::end(kLanguages))
    sc.at("language").fail("expected cpp, cuda, hip, triton or python, found \"" + s.language + "\"");
  s.entry_point = required_string(spec, "entry_point", sc);
  if (auto t = spec.find("target_hardware"); t != spec.end() && t->is_array())
    for (auto& x : *t)
      if (x.is_string()) s.target_hardware.push_back(x.get<std::string>());

  auto src = j.find("sources");
  if (src != j.end() && !src->is_null()) {
    expect_array(*src, ctx.at("sources"));
    for (size_t i = 0; i < src->size(); ++i) {
      JsonCtx c = ctx.at("sources").at(i);
      std::string path = required_string((*src)[i], "path", c);
      check_relative(path, c.at("path"));
      auto content = optional_string((*src)[i], "content", c);
      if (!content) {
        if (!dir) c.at("content").fail("required when the solution is a single JSON file");
        if (!fs::is_regular_file(*dir / path)) c.at("path").fail("file " + (*dir / path).string() + " does not exist");
        check_inside(*dir, *dir / path, c.at("path"));
        content = read_file(*dir / path);
      }
      s.sources.push_back({path, *content});
    }
  } else if (dir) {
    std::vector<fs::path> files;
    for (auto& e : fs::directory_iterator(*dir))
      if (e.is_regular_file() && e.path().filename() != "solution.json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (auto& f : files) {
      check_inside(*dir, f, ctx.at("sources"));
      s.sources.push_back({f.filename().string(), read_file(f)});
    }
  }
  if (s.sources.empty()) ctx.at("sources").fail("a solution needs at least one source file");
  bool found = false;
  for (auto& f : s.sources) found |= f.path == s.entry_file();
  if (!found) sc.at("entry_point").fail("names file '" + s.entry_file() + "', which is not among the sources");

  if (auto k = j.find("kda"); k != j.end() && !k->is_null()) {
    JsonCtx kc = ctx.at("kda");
    expect_object(*k, kc);
    auto version = optional_int(*k, "schema_version", kc).value_or(1);
    if (version != kSolutionSchemaVersion) kc.at("schema_version").fail("unsupported schema version " + std::to_string(version));
    if (auto p = k->find("params"); p != k->end() && !p->is_null()) {
      expect_object(*p, kc.at("params"));
      for (auto& [name, v] : p->items()) {
        // Each param becomes -DNAME=VALUE on the compiler's command line (task/build_flags.h).
        if (std::string why = param_problem(name, v); !why.empty()) kc.at("params").at(name).fail(why);
        s.params[name] = v;
      }
    }
    if (auto sp = k->find("param_space"); sp != k->end() && !sp->is_null()) {
      JsonCtx sc = kc.at("param_space");
      expect_object(*sp, sc);
      for (auto& [name, values] : sp->items()) {
        if (!s.params.count(name)) sc.at(name).fail("names no parameter in kda.params (declare its default there)");
        if (!values.is_array() || values.empty()) sc.at(name).fail("expected a non-empty array of values");
        for (auto& v : values) {
          if (std::string why = param_problem(name, v); !why.empty()) sc.at(name).fail(why);
          s.param_space[name].push_back(v);
        }
      }
    }
    if (auto f = k->find("build_flags"); f != k->end() && !f->is_null()) {
      expect_array(*f, kc.at("build_flags"));
      for (auto& x : *f) {
        if (!x.is_string()) kc.at("build_flags").fail("expected strings");
        s.extra_flags.push_back(x.get<std::string>());
      }
      // The compiler is untrusted code's first host: only code-generation flags reach it.
      if (std::string why = build_flags_problem(s.language, s.extra_flags); !why.empty()) kc.at("build_flags").fail(why);
    }
  }
  return s;
}

}  // namespace

std::string Solution::entry_file() const { return entry_point.substr(0, entry_point.find("::")); }

std::string Solution::entry_function() const {
  auto p = entry_point.find("::");
  return p == std::string::npos ? "kda_entry" : entry_point.substr(p + 2);
}

std::string Solution::content_hash() const {
  Sha256 h;
  h.field("kda-solution-v1").field(language).field(entry_point);
  // How the Python runner calls it changes what it computes; absent for native solutions, so
  // their hashes (and pins) stay as they were.
  if (raw.is_object() && raw.contains("spec") && raw["spec"].is_object()) {
    const Json& spec = raw["spec"];
    if (auto b = spec.find("binding"); b != spec.end() && b->is_string()) h.field("binding").field(b->get<std::string>());
    if (auto d = spec.find("destination_passing_style"); d != spec.end() && d->is_boolean() && !d->get<bool>())
      h.field("value-returning");
  }
  std::vector<const SourceFile*> sorted;
  for (auto& f : sources) sorted.push_back(&f);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->path < b->path; });
  for (auto* f : sorted) h.field(f->path).field(f->content);
  for (auto& [k, v] : params) h.field(k).field(v.dump());
  for (auto& f : extra_flags) h.field(f);
  return h.hex();
}

Solution parse_solution(const Json& j, const std::string& origin) {
  return guard_json(origin, [&] { return parse(j, origin, nullptr); });
}

Solution load_solution(const fs::path& path) {
  if (fs::is_directory(path)) {
    fs::path file = path / "solution.json";
    if (!fs::exists(file)) fail(ErrorKind::kNotFound, path.string() + " is a directory without solution.json");
    Json j = guard_json(file.string(), [&] { return read_json_file(file); });
    return guard_json(file.string(), [&] { return parse(j, file.string(), &path); });
  }
  if (!fs::exists(path)) fail(ErrorKind::kNotFound, "solution " + path.string() + " does not exist");
  fs::path dir = path.parent_path();
  Json j = guard_json(path.string(), [&] { return read_json_file(path); });
  return guard_json(path.string(), [&] { return parse(j, path.string(), &dir); });
}

Json to_json(const Solution& s) {
  Json j = s.raw.is_object() ? s.raw : Json::object();
  j["name"] = s.name;
  j["definition"] = s.definition;
  j["author"] = s.author;
  j["description"] = s.description;
  // Fields of spec kda does not model (binding, destination_passing_style, dependencies) are kept.
  Json spec = j.contains("spec") && j["spec"].is_object() ? j["spec"] : Json::object();
  spec["language"] = s.language;
  spec["target_hardware"] = s.target_hardware;
  spec["entry_point"] = s.entry_point;
  j["spec"] = spec;
  Json src = Json::array();
  for (auto& f : s.sources) src.push_back({{"path", f.path}, {"content", f.content}});
  j["sources"] = src;
  Json params = Json::object();
  for (auto& [k, v] : s.params) params[k] = v;
  j["kda"] = {{"schema_version", kSolutionSchemaVersion}, {"params", params}, {"build_flags", s.extra_flags}};
  if (!s.param_space.empty()) {
    Json space = Json::object();
    for (auto& [k, v] : s.param_space) space[k] = v;
    j["kda"]["param_space"] = space;
  }
  return j;
}

}  // namespace kda
