// The PROFILE step of a round (run.h, docs/loop.md "Profiling in the loop"): after the CHECK has
// judged and timed the candidate, Nsight Compute profiles it in a process of its own (one
// kda-runner under ncu, candidate_profile.h) on the representative public workload, with a
// launch count and a timeout; the ranked findings, their metric evidence and the diff against
// the incumbent's profile are recorded in rounds/T/N/profile.json and the journal.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>

#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "loop/candidate_profile.h"
#include "loop/run.h"
#include "profile/diff.h"
#include "profile/ncu_runner.h"
#include "profile/replay_runner.h"
#include "profile/report.h"

namespace kda::loop {
namespace fs = std::filesystem;
namespace {

constexpr size_t kMaxKernels = 4;   // the longest launches: what dominates the candidate's time
constexpr size_t kMaxFindings = 8;  // across them, ranked by estimated gain x share of time

Json optq(const profile::Kernel& k, const char* q) {
  auto v = k.q(q);
  return v ? Json(*v) : Json(nullptr);
}

// The compact form agents read: kernels by duration, findings ranked by what fixing each would
// gain on the whole candidate (its estimate x its kernel's share of the time), each with an id.
Json summarize(const profile::Report& r) {
  std::vector<const profile::Kernel*> ks;
  double total = 0;
  for (const auto& k : r.kernels) {
    ks.push_back(&k);
    total += k.qv("duration_ns");
  }
  std::stable_sort(ks.begin(), ks.end(), [](auto* a, auto* b) { return a->qv("duration_ns") > b->qv("duration_ns"); });
  if (ks.size() > kMaxKernels) ks.resize(kMaxKernels);
  Json kernels = Json::array();
  std::vector<std::pair<double, Json>> ranked;
  std::map<std::string, int> used;
  for (const profile::Kernel* k : ks) {
    const double share = total > 0 ? k->qv("duration_ns") / total : 1.0 / static_cast<double>(ks.size());
    kernels.push_back({{"kernel", k->short_name()}, {"name", k->name}, {"launch_id", k->id}, {"grid", k->grid},
                       {"block", k->block}, {"share_of_time", share}, {"duration_ns", optq(*k, "duration_ns")},
                       {"dram_pct", optq(*k, "dram_pct")}, {"sm_pct", optq(*k, "sm_pct")}, {"mem_pct", optq(*k, "mem_pct")},
                       {"achieved_occupancy_pct", optq(*k, "achieved_occupancy_pct")},
                       {"theoretical_occupancy_pct", optq(*k, "theoretical_occupancy_pct")},
                       {"registers_per_thread", optq(*k, "registers_per_thread")}});
    for (const profile::Finding& f : k->findings) {
      std::string id = "finding:" + k->short_name() + "/" + f.category;
      if (int seen = used[id]++; seen > 0) id += "#" + k->id;  // a second launch of one kernel
      Json ev = Json::array();
      for (const auto& e : f.evidence) ev.push_back({{"metric", e.metric}, {"value", e.value}, {"threshold", e.comparison}});
      ranked.emplace_back(f.estimated_speedup_pct * share,
                          Json{{"id", id}, {"kernel", k->short_name()}, {"category", f.category}, {"severity", f.severity},
                               {"estimated_speedup", f.estimated_speedup_pct}, {"speedup_source", f.speedup_source},
                               {"share_of_time", share}, {"evidence", ev}, {"fix", f.fix}});
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  Json findings = Json::array();
  for (size_t i = 0; i < ranked.size() && i < kMaxFindings; ++i) findings.push_back(ranked[i].second);
  return {{"kernels", kernels}, {"findings", findings}, {"warnings", r.warnings}, {"excluded", r.excluded},
          {"kernel_launches", r.kernels.size()}};
}

profile::Report read_profile(const fs::path& dir) {
  profile::Report r = profile::load_report({dir});
  profile::drop_kernels(r, runner_own_kernels());
  return r;
}

// What moved between the incumbent's profile and this one, per matched kernel.
Json diff_summary(const profile::ReportDiff& d) {
  Json moved = Json::array();
  for (const auto& k : d.matched) {
    Json better = Json::array(), worse = Json::array();
    for (const auto& m : k.deltas) {
      if (m.direction == "better") better.push_back(m.quantity);
      if (m.direction == "worse") worse.push_back(m.quantity);
    }
    profile::Kernel kb;
    kb.name = k.name_b;
    moved.push_back({{"kernel", kb.short_name()}, {"duration_a_ns", k.duration_a_ns}, {"duration_b_ns", k.duration_b_ns},
                     {"duration_change_pct", k.duration_change_pct}, {"better", better}, {"worse", worse},
                     {"findings_appeared", k.appeared}, {"findings_resolved", k.resolved}});
  }
  return {{"moved", moved}, {"only_in_incumbent", d.only_a}, {"only_in_candidate", d.only_b}};
}

}  // namespace

std::string Run::profiler_unavailable() {
  const Json p = meta.value("profile", Json::object());
  const std::string mode = p.value("mode", std::string("auto"));
  if (mode == "off") return "profiling is off for this run (kda run --profile off)";
  if (mode == "replay") return "";
  const std::string backend = meta.value("backend", std::string("cpu"));
  if (backend == "cpu") return "CPU backend: there is no profiler, so the findings list is empty";
  if (backend != "cuda") return "the loop profiles CUDA candidates only (Nsight Compute); no findings on " + backend;
  const char* env = std::getenv("KDA_NCU");
  const std::string ncu = env && *env ? env : "ncu";
  if (!find_program(ncu)) return "Nsight Compute ('" + ncu + "') is not on PATH (set KDA_NCU), so the findings list is empty";
  return "";
}

std::unique_ptr<profile::Runner> Run::make_profiler() {
  const Json p = meta.value("profile", Json::object());
  if (p.value("mode", std::string()) == "replay")
    return std::make_unique<profile::ReplayRunner>(p.value("replay_dir", std::string()));
  return nullptr;  // the system's ncu
}

Json Run::latest_profile(const PlanTask& t, int n) {
  for (int m = n - 1; m >= 1; --m)
    if (auto p = journal->get(t.id + "/" + std::to_string(m) + "/profile"); p && p->value("status", "") == "profiled") return *p;
  return Json();
}

Json Run::profile_step(const PlanTask& t, int n, const Json& check) {
  const std::string key = t.id + "/" + std::to_string(n) + "/profile";
  if (auto done = journal->get(key)) return *done;
  const Json settings = meta.value("profile", Json::object());
  const int timeout_s = settings.value("timeout_s", 240);
  const int launch_count = settings.value("launch_count", 20);
  const fs::path rd = round_dir(t.id, n);
  Json rec;
  bool publics_pass = true;
  for (const Json& tr : check.value("traces", Json::array()))
    if (tr.value("split", "") == "public" && tr.value("status", "") != "PASSED") publics_pass = false;
  if (journal->get(t.id + "/" + std::to_string(n) + "/review")) {
    // A run begun by a kda that did not profile, resumed by one that does: the workspace holds a
    // later candidate than this round's, so there is nothing true to profile.
    rec = {{"status", "skipped"}, {"why", "the round was reviewed before its run profiled candidates"}};
  } else if (const std::string why = profiler_unavailable(); !why.empty()) {
    rec = {{"status", "unavailable"}, {"why", why}};
  } else if (check.value("rejected", false) || !check.value("build_ok", false)) {
    rec = {{"status", "skipped"}, {"why", "the round was rejected or its candidate did not build"}};
  } else if (!publics_pass) {
    rec = {{"status", "skipped"}, {"why", "the candidate failed a public workload; its profile would describe a wrong kernel"}};
  } else {
    const fs::path out = rd / "profile";
    fs::remove_all(out);  // a step cut by a crash starts over
    CandidateProfileOptions po;
    po.target.backend = meta.value("backend", std::string("cuda"));
    po.target.arch = meta.value("arch", std::string());
    po.target.calls = 1;
    const char* env = std::getenv("KDA_NCU");
    po.ncu = env && *env ? env : "ncu";
    po.clock_control_none = settings.value("clock_control_none", true);
    po.launch_count = launch_count;
    po.timeout_s = timeout_s;
    if (status) status("kda run: task " + t.id + " round " + std::to_string(n) + ": profiling the candidate (at most " +
                       std::to_string(timeout_s) + " s)");
    const auto start = std::chrono::steady_clock::now();
    try {
      std::unique_ptr<profile::Runner> replay = make_profiler();
      profile::Runner& runner = replay ? *replay : profile::system_runner();
      const CandidateProfile p = profile_candidate(task, load_solution(workspace() / "solution"), po, out, runner);
      rec = summarize(p.report);
      rec["status"] = "profiled";
      rec["workload"] = p.workload;
      rec["solution_hash"] = p.solution_hash;
      rec["dir"] = fs::relative(out, dir).string();
      // Against the incumbent: the best earlier round (every hidden workload passed, highest
      // geomean) that has a profile, else the latest earlier round that has one.
      int against = 0;
      double best = -1;
      for (int m = 1; m < n; ++m) {
        auto pm = journal->get(t.id + "/" + std::to_string(m) + "/profile");
        if (!pm || pm->value("status", "") != "profiled") continue;
        auto dm = journal->get(t.id + "/" + std::to_string(m) + "/decide");
        const double g = dm && dm->value("all_passed_hidden", false) ? dm->value("geomean_speedup_hidden", 0.0) : 0.0;
        if (g > best || (g == best && m > against)) {
          best = g;
          against = m;
        }
      }
      if (against == 0) {
        rec["diff"] = nullptr;
        rec["diff_note"] = "no earlier round of " + t.id + " has a profile: nothing to compare with yet";
      } else {
        const fs::path inc = round_dir(t.id, against) / "profile";
        const profile::ReportDiff d = profile::diff_reports(read_profile(inc), read_profile(out));
        write_file_atomic(out / "diff.json", profile::to_json(d).dump(2) + "\n");
        write_file_atomic(out / "diff.md", profile::to_markdown(d));
        rec["diff"] = diff_summary(d);
        rec["diff"]["against_round"] = against;
        rec["diff"]["file"] = fs::relative(out / "diff.json", dir).string();
      }
    } catch (const Error& e) {
      // The profile is evidence, not a gate: a failing ncu leaves the round to its traces.
      rec = {{"status", "failed"}, {"why", e.what()}};
    }
    rec["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  rec["round"] = n;
  rec["timeout_s"] = timeout_s;
  rec["launch_count"] = launch_count;
  rec["mode"] = settings.value("mode", std::string("auto"));
  write_file_atomic(rd / "profile.json", rec.dump(1) + "\n");
  log("profile", {{"task", t.id}, {"round", n}, {"status", rec["status"]}, {"profile_sha256", sha256_hex(rec.dump())}});
  journal->put(key, "profile", rec);
  return rec;
}

}  // namespace kda::loop
