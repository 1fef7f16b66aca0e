// The built-in search writer (builtin_agents.h): the next untried variant of kda.param_space,
// ordered by the evidence it has.
#include <algorithm>
#include <cctype>
#include <map>

#include "core/error.h"
#include "core/fs.h"
#include "loop/builtin_agents.h"

namespace kda::loop {
namespace fs = std::filesystem;

std::vector<Json> variants(const Json& defaults, const Json& space) {
  std::vector<Json> out = {defaults};
  for (auto& [name, values] : space.items()) {
    std::vector<Json> next;
    for (const Json& base : out)
      for (const Json& v : values) {
        Json p = base;
        p[name] = v;
        next.push_back(p);
      }
    out = next;
  }
  std::vector<Json> unique;
  unique.push_back(defaults);
  for (const Json& p : out)
    if (std::find(unique.begin(), unique.end(), p) == unique.end()) unique.push_back(p);
  return unique;
}

const std::vector<std::string>& finding_params(const std::string& category) {
  // Which knob moves which symptom: block size sets warps per SM and registers per block; unroll
  // and vector width trade registers for independent memory operations; splitting work over more
  // threads or blocks fills an idle GPU; the algorithm is the lever for compute and divergence.
  static const std::map<std::string, std::vector<std::string>> table = {
      {"occupancy-registers", {"BLOCK", "THREAD", "UNROLL", "WARP"}},
      {"occupancy-shared-memory", {"TILE", "BLOCK", "STAGE", "SMEM"}},
      {"occupancy-block-size", {"BLOCK", "THREAD", "WARP"}},
      {"low-occupancy", {"BLOCK", "THREAD", "WARP", "UNROLL"}},
      {"register-spill", {"UNROLL", "TILE", "VEC", "BLOCK"}},
      {"local-memory", {"UNROLL", "TILE", "VEC"}},
      {"tail-effect", {"BLOCK", "SPLIT", "ROW", "THREAD", "WARP"}},
      {"grid-too-small", {"SPLIT", "ROW", "THREAD", "BLOCK"}},
      {"small-problem", {"SPLIT", "ROW", "THREAD", "BLOCK"}},
      {"dram-bound", {"VEC", "WIDTH", "TILE", "THREAD", "UNROLL"}},
      {"uncoalesced-global", {"THREAD", "VEC", "ROW", "LAYOUT", "TILE"}},
      {"cache-access-pattern", {"TILE", "THREAD", "ROW", "VEC"}},
      {"no-data-reuse", {"TILE", "BLOCK", "THREAD"}},
      {"latency-bound", {"UNROLL", "ILP", "VEC", "THREAD", "BLOCK"}},
      {"dependency-stall", {"UNROLL", "ILP", "VEC"}},
      {"shared-bank-conflict", {"PAD", "SWIZZLE", "TILE"}},
      {"barrier-stall", {"BLOCK", "WARP", "THREAD"}},
      {"thread-divergence", {"ALGO", "THREAD"}},
      {"atomic-contention", {"SPLIT", "ALGO"}},
      {"compute-bound", {"ALGO", "TILE", "MMA"}},
      {"tensor-core-underused", {"MMA", "TILE", "ALGO"}},
      {"near-roofline", {}},
  };
  static const std::vector<std::string> none;
  auto it = table.find(category);
  return it == table.end() ? none : it->second;
}

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Which tunable each finding points to: the first param (in declaration order) matching the
// finding's most direct fragment; each param goes to the highest-ranked finding that names it.
struct Pointer {
  std::string param, finding, category;
  double weight = 0;  // the finding's estimated gain on the whole candidate, %
  int rank = 0;       // the finding's rank
};

std::vector<Pointer> pointers(const Json& space, const Json& findings) {
  std::vector<Pointer> out;
  int rank = 0;
  for (const Json& f : findings) {
    ++rank;
    const std::string cat = f.value("category", std::string());
    for (const std::string& frag : finding_params(cat)) {
      std::string hit;
      for (auto& [name, values] : space.items())
        if (upper(name).find(frag) != std::string::npos && values.is_array() && values.size() > 1) {
          hit = name;
          break;
        }
      if (hit.empty()) continue;
      if (std::none_of(out.begin(), out.end(), [&](const Pointer& p) { return p.param == hit; }))
        out.push_back({hit, f.value("id", cat), cat,
                       f.value("estimated_speedup", 0.0) * f.value("share_of_time", 1.0), rank});
      break;  // one tunable per finding: its most direct one
    }
  }
  return out;
}

}  // namespace

WriterChoice choose_variant(const Json& defaults, const Json& space, const Json& tried, const Json& findings) {
  std::vector<Json> done;
  const Json* best = nullptr;
  for (const Json& t : tried) {
    done.push_back(t.value("params", Json()));
    if (t.value("passed", false) && (!best || t.value("geomean_speedup", 0.0) > (*best).value("geomean_speedup", 0.0))) best = &t;
  }
  std::vector<Json> untried;
  for (const Json& v : variants(defaults, space))
    if (std::find(done.begin(), done.end(), v) == done.end()) untried.push_back(v);
  WriterChoice c;
  if (untried.empty()) return c;
  const std::vector<Pointer> ptr = pointers(space, findings);
  if (ptr.empty()) {
    // No evidence to order by: declaration order from the default, as without a GPU.
    c.params = untried.front();
    c.why = "next untried variant of kda.param_space";
    return c;
  }
  // From the best measured variant, the variants that change the tunables the findings point to
  // come first (the higher the finding's gain, the earlier), changing as little else as possible.
  const Json base = best ? best->value("params", defaults) : defaults;
  auto score = [&](const Json& v) {
    double pointed = 0;
    int others = 0;
    for (auto& [name, value] : v.items()) {
      if (base.contains(name) && base[name] == value) continue;
      auto it = std::find_if(ptr.begin(), ptr.end(), [&](const Pointer& p) { return p.param == name; });
      if (it != ptr.end()) pointed += 1000.0 / it->rank + it->weight;
      else ++others;
    }
    return pointed - 10000.0 * others;
  };
  size_t pick = 0;
  double top = score(untried[0]);
  for (size_t i = 1; i < untried.size(); ++i)
    if (double s = score(untried[i]); s > top) {
      top = s;
      pick = i;
    }
  c.params = untried[pick];
  for (const Pointer& p : ptr) {
    const Json from = base.value(p.param, Json()), to = c.params.value(p.param, Json());
    if (from == to) continue;
    c.reasons.push_back({{"finding", p.finding}, {"category", p.category}, {"param", p.param}, {"from", from}, {"to", to}});
  }
  if (c.reasons.empty()) {
    c.why = "every variant the findings point to has been tried; next untried variant of kda.param_space";
  } else {
    c.why = best ? "from the best measured variant so far (round " + std::to_string(best->value("round", 0)) + ", " +
                       std::to_string(best->value("geomean_speedup", 0.0)).substr(0, 5) + "x)"
                 : "from the default";
    for (const Json& r : c.reasons)
      c.why += "; " + r["finding"].get<std::string>() + " points to " + r["param"].get<std::string>() + ": " +
               r["from"].dump() + " -> " + r["to"].dump();
  }
  return c;
}

namespace {

class SearchWriter : public agents::Agent {
 public:
  std::string name() const override { return "builtin-search-writer"; }

  agents::AgentResult run(const agents::AgentRequest& req) override {
    agents::AgentResult r;
    try {
      const Json ctx = read_json_file(req.workspace / ".kda" / "context.json");
      const fs::path sol = req.workspace / "solution" / "solution.json";
      Json solution = read_json_file(sol);
      Json& kda = solution["kda"];
      const WriterChoice choice = choose_variant(kda.value("params", Json::object()), kda.value("param_space", Json::object()),
                                                 ctx.value("tried", Json::array()), ctx.value("findings", Json::array()));
      std::string summary;
      if (choice.params.is_null()) {
        summary = "Every declared variant has been evaluated; nothing left to try without a model.";
        r.final_message = Json{{"summary", summary}, {"claims", Json::object()}, {"exhausted", true}}.dump();
      } else {
        kda["params"] = choice.params;
        // The default stays declared in param_space, so later rounds can still come back to it.
        write_file_atomic(sol, solution.dump(1) + "\n");
        summary = "Set the tunables to " + choice.params.dump() + " (" + choice.why;
        const Json hits = ctx.value("wiki_hits", Json::array());
        if (!hits.empty())
          summary += "; wiki: " + hits[0].value("id", std::string()) + " \"" + hits[0].value("title", std::string()) + "\" (" +
                     hits[0].value("why", std::string("matches the task")) + ")";
        summary += ").";
        // The search writer claims nothing it has not measured: the CHECK measures.
        r.final_message =
            Json{{"summary", summary}, {"claims", Json::object()}, {"params", choice.params}, {"reasons", choice.reasons}}.dump();
      }
      fs::create_directories(req.transcript_dir);
      r.transcript = req.transcript_dir / "writer_transcript.md";
      write_file_atomic(r.transcript, "# built-in search writer\n\n" + summary + "\n");
    } catch (const std::exception& e) {
      r.exit_status = 1;
      r.error = e.what();
    }
    return r;
  }
};

}  // namespace

std::unique_ptr<agents::Agent> make_builtin_writer() { return std::make_unique<SearchWriter>(); }

}  // namespace kda::loop
