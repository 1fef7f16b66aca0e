#include "loop/builtin_agents.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "core/fs.h"
#include "core/json_io.h"

namespace kda::loop {
namespace fs = std::filesystem;
namespace {

using agents::AgentRequest;
using agents::AgentResult;

// Every combination of the declared values, the default first, then in declaration order.
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

class SearchWriter : public agents::Agent {
 public:
  std::string name() const override { return "builtin-search-writer"; }

  AgentResult run(const AgentRequest& req) override {
    AgentResult r;
    try {
      const Json ctx = read_json_file(req.workspace / ".kda" / "context.json");
      const fs::path sol = req.workspace / "solution" / "solution.json";
      Json solution = read_json_file(sol);
      Json& kda = solution["kda"];
      const Json defaults = kda.value("params", Json::object());
      const Json space = kda.value("param_space", Json::object());
      std::vector<Json> tried;
      for (const Json& t : ctx.value("tried", Json::array())) tried.push_back(t.at("params"));
      Json pick;
      for (const Json& v : variants(defaults, space))
        if (std::find(tried.begin(), tried.end(), v) == tried.end()) {
          pick = v;
          break;
        }
      std::string summary;
      if (pick.is_null()) {
        summary = "Every declared variant has been evaluated; nothing left to try without a model.";
        r.final_message = Json{{"summary", summary}, {"claims", Json::object()}, {"exhausted", true}}.dump();
      } else {
        kda["params"] = pick;
        // The default stays declared in param_space, so later rounds can still come back to it.
        write_file_atomic(sol, solution.dump(1) + "\n");
        summary = "Set the tunables to " + pick.dump() + " (next untried variant of kda.param_space";
        if (!ctx.value("wiki_hits", Json::array()).empty())
          summary += "; wiki: " + ctx["wiki_hits"][0].value("title", std::string());
        summary += ").";
        // The search writer claims nothing it has not measured: the CHECK measures.
        r.final_message = Json{{"summary", summary}, {"claims", Json::object()}, {"params", pick}}.dump();
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

class RuleVerifier : public agents::Agent {
 public:
  std::string name() const override { return "builtin-rule-verifier"; }

  AgentResult run(const AgentRequest& req) override {
    AgentResult r;
    try {
      const Json ev = read_json_file(req.workspace / "evidence.json");
      Json reasons = Json::array(), requests = Json::array();
      auto fail_with = [&](const std::string& evidence_id, const std::string& why) {
        reasons.push_back({{"evidence", evidence_id}, {"reason", why}});
      };
      for (const Json& f : ev.value("diff_files", Json::array())) {
        const std::string path = f.get<std::string>();
        if (path.rfind("solution/", 0) != 0)
          fail_with("diff", "the round changed " + path + ", outside the candidate solution");
      }
      if (!ev.value("integrity_ok", false)) fail_with("integrity", "frozen inputs changed: " + ev.value("integrity_problem", std::string("unknown")));
      const Json checks = ev.value("checks", Json::object());
      if (checks.value("rejected", false)) fail_with("checks", "the evaluator refused the round: " + checks.value("reason", std::string()));
      for (const Json& c : checks.value("criteria", Json::array()))
        if (!c.value("holds", false)) fail_with("checks.criteria", "criterion not met: " + c.value("criterion", std::string()));
      for (const Json& t : checks.value("traces", Json::array()))
        if (t.value("split", "") == "hidden" && t.value("status", "") != "PASSED")
          fail_with("checks.traces." + t.value("workload", std::string()), "hidden workload " + t.value("workload", std::string()) + " is " + t.value("status", std::string()));
      // Claims are compared with the traces; any other text in them is ignored.
      const Json claims = ev.value("claims", Json::object());
      if (claims.contains("geomean_speedup") && claims["geomean_speedup"].is_number()) {
        const double claimed = claims["geomean_speedup"].get<double>();
        const double measured = checks.value("geomean_speedup_hidden", 0.0);
        if (claimed > measured * 1.05 + 1e-9)
          fail_with("claims", "claimed geomean speedup " + std::to_string(claimed) + " but the hidden traces show " + std::to_string(measured));
      }
      if (checks.empty()) fail_with("checks", "no evaluator results in the evidence");
      const bool pass = reasons.empty();
      if (!pass) requests.push_back("address every reason above; the criteria are fixed and are checked on hidden workloads");
      r.final_message = Json{{"verdict", pass ? "PASS" : "FAIL"}, {"reasons", reasons}, {"requests", requests}}.dump();
      fs::create_directories(req.transcript_dir);
      r.transcript = req.transcript_dir / "review_transcript.md";
      write_file_atomic(r.transcript, "# built-in rule verifier\n\n" + r.final_message + "\n");
    } catch (const std::exception& e) {
      r.exit_status = 1;
      r.error = e.what();
    }
    return r;
  }
};

}  // namespace

std::unique_ptr<agents::Agent> make_builtin_writer() { return std::make_unique<SearchWriter>(); }
std::unique_ptr<agents::Agent> make_rule_verifier() { return std::make_unique<RuleVerifier>(); }

}  // namespace kda::loop
