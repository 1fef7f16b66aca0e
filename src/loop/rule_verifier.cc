// The built-in rule-based verifier (builtin_agents.h): reads evidence.json and answers the JSON
// verdict, every reason citing an evidence id (evidence.h).
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/error.h"
#include "core/fs.h"
#include "loop/builtin_agents.h"

namespace kda::loop {
namespace fs = std::filesystem;
namespace {

// DRAM at or above this share of its peak makes a kernel memory-bound, whatever is claimed
// (the profiler's own near-roofline threshold for DRAM, docs/profile.md).
constexpr double kDramBoundPct = 80;
// Below these, a kernel is not limited by memory bandwidth.
constexpr double kNotMemoryDramPct = 30, kNotMemoryMemPct = 40;
// SM throughput at or above this is compute work, not waiting.
constexpr double kBusySmPct = 80;

std::string pct(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f%%", v);
  return b;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

double num(const Json& k, const char* q) { return k.contains(q) && k[q].is_number() ? k[q].get<double>() : -1; }

// The finding of `kernel` with `category`, or null.
const Json* finding_of(const Json& profile, const std::string& kernel, const std::string& category) {
  if (!profile.contains("findings") || !profile["findings"].is_array()) return nullptr;
  for (const Json& f : profile["findings"])  // by reference: the pointer returned must outlive the loop
    if (f.value("kernel", "") == kernel && f.value("category", "") == category) return &f;
  return nullptr;
}

class RuleVerifier : public agents::Agent {
 public:
  std::string name() const override { return "builtin-rule-verifier"; }

  agents::AgentResult run(const agents::AgentRequest& req) override {
    agents::AgentResult r;
    try {
      const Json ev = read_json_file(req.workspace / "evidence.json");
      Json reasons = Json::array(), requests = Json::array(), support = Json::array();
      auto fail_with = [&](const std::string& evidence_id, const std::string& why) {
        reasons.push_back({{"evidence", evidence_id}, {"reason", why}});
      };
      for (const Json& f : ev.value("diff_files", Json::array())) {
        const std::string path = f.get<std::string>();
        if (path.rfind("solution/", 0) != 0) fail_with("diff", "the round changed " + path + ", outside the candidate solution");
      }
      if (!ev.value("integrity_ok", false)) fail_with("integrity", "frozen inputs changed: " + ev.value("integrity_problem", std::string("unknown")));
      const Json checks = ev.value("checks", Json::object());
      if (checks.value("rejected", false)) fail_with("checks", "the evaluator refused the round: " + checks.value("reason", std::string()));
      int i = 0;
      for (const Json& c : checks.value("criteria", Json::array())) {
        const std::string id = "criterion:" + std::to_string(i++);
        if (!c.value("holds", false)) fail_with(id, "criterion not met: " + c.value("criterion", std::string()));
        else support.push_back({{"evidence", id}, {"reason", "holds: " + c.value("criterion", std::string())}});
      }
      for (const Json& t : checks.value("traces", Json::array()))
        if (t.value("split", "") == "hidden" && t.value("status", "") != "PASSED")
          fail_with("trace:" + t.value("workload", std::string()),
                    "hidden workload " + t.value("workload", std::string()) + " is " + t.value("status", std::string()));
      // Claims are compared with the traces and the profile; any other text in them is ignored.
      const Json claims = ev.value("claims", Json::object());
      if (claims.contains("geomean_speedup") && claims["geomean_speedup"].is_number()) {
        const double claimed = claims["geomean_speedup"].get<double>();
        const double measured = checks.value("geomean_speedup_hidden", 0.0);
        if (claimed > measured * 1.05 + 1e-9)
          fail_with("claims", "claimed geomean speedup " + std::to_string(claimed) + " but the hidden traces show " + std::to_string(measured));
      }
      check_profile_claims(ev, claims, fail_with, requests, support);
      if (checks.empty()) fail_with("checks", "no evaluator results in the evidence");
      const bool pass = reasons.empty();
      if (!pass) requests.push_back("address every reason above; the criteria are fixed and are checked on hidden workloads");
      r.final_message = Json{{"verdict", pass ? "PASS" : "FAIL"}, {"reasons", pass ? support : reasons}, {"requests", requests}}.dump();
      fs::create_directories(req.transcript_dir);
      r.transcript = req.transcript_dir / "review_transcript.md";
      write_file_atomic(r.transcript, "# built-in rule verifier\n\n" + r.final_message + "\n");
    } catch (const std::exception& e) {
      r.exit_status = 1;
      r.error = e.what();
    }
    return r;
  }

 private:
  // What the writer claims about the kernel (claims.bound, claims.resolved) against the round's
  // profile: the dominant kernel's metrics and the findings still present.
  template <class Fail>
  static void check_profile_claims(const Json& ev, const Json& claims, Fail& fail_with, Json& requests, Json& support) {
    const Json profile = ev.value("profile", Json());
    const bool profiled = profile.is_object() && profile.value("status", "") == "profiled";
    const std::string bound = claims.contains("bound") && claims["bound"].is_string() ? lower(claims["bound"].get<std::string>()) : "";
    const Json resolved = claims.contains("resolved") && claims["resolved"].is_array() ? claims["resolved"] : Json::array();
    if (!profiled) {
      if (!bound.empty() || !resolved.empty())
        requests.push_back("the round has no profile, so claims about what limits the kernel were not checked");
      return;
    }
    const Json kernels = profile.value("kernels", Json::array());
    if (!kernels.empty()) {
      const Json& k = kernels[0];  // the longest launch: what the candidate's time is made of
      const std::string name = k.value("kernel", std::string());
      const double dram = num(k, "dram_pct"), mem = num(k, "mem_pct"), sm = num(k, "sm_pct");
      auto cite = [&](const std::string& category, const std::string& quantity) {
        const Json* f = finding_of(profile, name, category);
        return f ? f->value("id", std::string()) : "metric:" + name + "/" + quantity;
      };
      // Compute-bound is contradicted by the profiler's own dram-bound finding (DRAM >= 60 % of
      // peak, or >= 40 % with long-scoreboard stalls dominating) or by DRAM at the roofline.
      const Json* dram_finding = finding_of(profile, name, "dram-bound");
      if (bound.find("compute") != std::string::npos && (dram >= kDramBoundPct || dram_finding))
        fail_with(cite("dram-bound", "dram_pct"), "claims " + name + " is compute-bound, but the profile shows DRAM at " + pct(dram) +
                                                      " of peak" + (dram_finding ? " and finds it dram-bound" : "") +
                                                      ": memory bandwidth limits it");
      if ((bound.find("memory") != std::string::npos || bound.find("dram") != std::string::npos) && dram >= 0 &&
          dram < kNotMemoryDramPct && (mem < 0 || mem < kNotMemoryMemPct))
        fail_with("metric:" + name + "/dram_pct", "claims " + name + " is memory-bound, but the profile shows DRAM at " + pct(dram) +
                                                      " and memory throughput at " + pct(mem) + " of peak");
      if (bound.find("latency") != std::string::npos && (dram >= kDramBoundPct || sm >= kBusySmPct))
        fail_with(dram >= kDramBoundPct ? cite("dram-bound", "dram_pct") : cite("compute-bound", "sm_pct"),
                  "claims " + name + " is latency-bound, but the profile shows " +
                      (dram >= kDramBoundPct ? "DRAM at " + pct(dram) : "SM throughput at " + pct(sm)) + " of peak");
    }
    for (const Json& c : resolved) {
      if (!c.is_string()) continue;
      for (const Json& f : profile.value("findings", Json::array()))
        if (f.value("category", "") == c.get<std::string>()) {
          fail_with(f.value("id", std::string()), "claims " + c.get<std::string>() + " is resolved, but the profile still shows it (" +
                                                      f.value("severity", std::string()) + ", " + f.value("kernel", std::string()) + ")");
          break;
        }
    }
    if (!profile.value("findings", Json::array()).empty()) {
      const Json& top = profile["findings"][0];
      support.push_back({{"evidence", top.value("id", std::string())},
                         {"reason", "the profile's top finding, for the next round: " + top.value("category", std::string())}});
    }
  }
};

}  // namespace

std::unique_ptr<agents::Agent> make_rule_verifier() { return std::make_unique<RuleVerifier>(); }

}  // namespace kda::loop
