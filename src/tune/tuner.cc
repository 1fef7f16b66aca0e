#include "tune/tuner.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <thread>

#include "build/builder.h"
#include "core/error.h"
#include "core/hash.h"
#include "eval/phase_timer.h"
#include "eval/stats.h"
#include "store/store.h"
#include "tune/regimes.h"
#include "tune/router.h"
#include "tune/variants.h"

namespace kda {
namespace fs = std::filesystem;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<Solution> solutions_to_tune(const TaskDir& task, const TuneOptions& opt, const std::string& language) {
  std::vector<Solution> out;
  if (!opt.solutions.empty()) {
    for (const fs::path& p : opt.solutions) {
      Solution s = load_solution(p);
      if (s.language != language)
        fail(ErrorKind::kUsage, p.string() + " is a " + s.language + " solution; the " + opt.eval.backend +
                                    " backend tunes " + language + " solutions");
      out.push_back(std::move(s));
    }
    return out;
  }
  for (const fs::path& d : task.solution_paths()) {  // solutions/<name>/, or a dataset's for this definition
    Solution s = load_solution(d);
    if (s.language == language) out.push_back(std::move(s));
  }
  if (out.empty())
    fail(ErrorKind::kUsage, task.root.string() + " has no " + language + " solution under solutions/; name one: kda tune TASK SOLUTION");
  return out;
}

std::vector<Variant> variants_of(const std::vector<Solution>& solutions) {
  std::vector<Variant> out;
  for (const Solution& s : solutions)
    for (Variant& v : expand_variants(s)) {
      const bool duplicate = std::any_of(out.begin(), out.end(), [&](const Variant& o) { return o.hash == v.hash; });
      if (!duplicate) out.push_back(std::move(v));
    }
  return out;
}

// Builds every variant before anything is timed, in parallel: compiles are independent
// processes, and the Judge then finds each build in the cache.
std::vector<BuildResult> build_all(const std::vector<Variant>& vs, const TuneOptions& opt) {
  PhaseScope timer("builds (all variants, in parallel)");
  std::vector<BuildResult> out(vs.size());
  std::atomic<size_t> next{0};
  const size_t jobs = std::max<size_t>(1, std::min(vs.size(), opt.build_jobs ? opt.build_jobs : std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(jobs);
  for (size_t j = 0; j < jobs; ++j)
    pool.emplace_back([&, j] {
      try {
        for (size_t i; (i = next++) < vs.size();)
          out[i] = build_solution(vs[i].solution, {.backend = opt.eval.backend, .arch = opt.eval.arch});
      } catch (...) {
        errors[j] = std::current_exception();
      }
    });
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return out;
}

// The parts of a measurement's identity that hold for the whole session.
struct SessionKeys {
  std::string device_key, toolchain_key, definition_hash;
  std::string device_name, toolchain;
};

SessionKeys session_keys(const TaskDir& task, const TuneOptions& opt, Judge& judge, const std::string& language) {
  SessionKeys k;
  const Json& device = judge.device();
  // The device as the runners describe it (timer included) and the way samples are taken.
  k.device_key = Sha256().field(device.dump()).field(timing_method(opt.eval.stop)).hex();
  k.device_name = device.value("name", "unknown device");
  k.toolchain = compiler_version(language);
  k.toolchain_key = Sha256().field(opt.eval.backend).field(k.toolchain).field(opt.eval.arch).hex();
  k.definition_hash = sha256_file(task.definition_file());
  return k;
}

std::string workload_hash(const Workload& w) { return sha256_hex(to_json(w).dump()); }

// One solution's results on a list of workloads: latency (+inf where not PASSED) and speedup
// over the baseline (0 where not PASSED).
struct Row {
  std::vector<double> ms, speedup;
};

double speedup_in(const Json& trace) {
  const Json* p = &trace;
  // Over the baseline: kda.performance.baseline_speedup_factor; traces stored before the
  // reference/baseline split had it as evaluation.performance.speedup_factor (task/trace.h).
  const bool split = trace.contains("kda") && trace["kda"].is_object() && trace["kda"].contains("performance") &&
                     trace["kda"]["performance"].is_object() && trace["kda"]["performance"].contains("baseline_speedup_factor");
  const std::vector<const char*> path = split ? std::vector<const char*>{"kda", "performance", "baseline_speedup_factor"}
                                              : std::vector<const char*>{"evaluation", "performance", "speedup_factor"};
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return 0;
    p = &(*p)[k];
  }
  return p->is_number() ? p->get<double>() : 0;
}

// Fills rows from the tuning database where a measurement exists and by the Judge where it does
// not; every new verdict is stored the moment it is made, so an interrupted run loses at most
// the measurement in progress.
// Round r > 0 of a hidden-check pair is stored under the workload hash + "#<r+1>" and shown with
// that suffix in the progress lines.
std::string round_tag(int round) { return round ? "#" + std::to_string(round + 1) : ""; }

class Measurer {
 public:
  Measurer(Judge& judge, Store& store, SessionKeys keys, const TuneOptions& opt, size_t total)
      : judge_(judge), store_(store), keys_(std::move(keys)), opt_(opt), total_(total) {}

  // One solution with its variant hash (the tuning database's key).
  struct Entry {
    const Solution* solution;
    std::string hash;
  };

  // Each solution's results on `ws`, from the database where measured and by the Judge where
  // not, workload by workload, so that the solutions of a workload share its baseline
  // measurement (Judge::evaluate_grouped). round > 0 is another, independent measurement of
  // the same pairs (separate records).
  std::vector<Row> measure(const std::vector<Entry>& entries, const std::vector<const Workload*>& ws, int round = 0) {
    std::vector<Row> rows(entries.size(), Row{std::vector<double>(ws.size(), kInf), std::vector<double>(ws.size(), 0.0)});
    const std::string tag = round_tag(round);
    std::vector<std::vector<bool>> missing(entries.size(), std::vector<bool>(ws.size(), false));
    bool any_missing = false;
    for (size_t i = 0; i < entries.size(); ++i)
      for (size_t j = 0; j < ws.size(); ++j) {
        auto rec = opt_.fresh ? std::nullopt : store_.tuning(key(entries[i].hash, *ws[j], round));
        if (!rec) {
          missing[i][j] = any_missing = true;
          continue;
        }
        if (rec->status == "PASSED") rows[i].ms[j] = rec->latency_ms, rows[i].speedup[j] = speedup_in(rec->trace);
        ++reused_;
        step(entries[i].solution->name + " x " + ws[j]->uuid + tag + " (reused)");
      }
    if (!any_missing) return rows;
    std::vector<Solution> solutions;
    for (const Entry& e : entries) solutions.push_back(*e.solution);
    std::map<std::string, size_t> index_of;
    for (size_t j = 0; j < ws.size(); ++j) index_of[ws[j]->uuid] = j;
    judge_.evaluate_grouped(
        solutions, ws, [&](size_t i, size_t j) { return bool(missing[i][j]); },
        [&](size_t i, const Trace& t) {
          const size_t j = index_of.at(t.workload.uuid);
          const bool passed = t.status == Status::kPassed && t.performance;
          store_.put_tuning(key(entries[i].hash, *ws[j], round),
                            TuningRecord{entries[i].solution->name, t.workload.uuid, keys_.device_name, keys_.toolchain,
                                         to_string(t.status), passed ? t.performance->latency_ms : 0.0, kda::to_json(t), ""});
          if (passed) rows[i].ms[j] = t.performance->latency_ms, rows[i].speedup[j] = t.performance->speedup_factor;
          step(entries[i].solution->name + " x " + t.workload.uuid + tag + ": " +
               (passed ? std::to_string(t.performance->latency_ms) + " ms" : std::string(to_string(t.status))));
        });
    return rows;
  }

  size_t done() const { return done_; }
  size_t reused() const { return reused_; }
  void add_to_total(size_t n) { total_ += n; }

 private:
  TuningKey key(const std::string& hash, const Workload& w, int round) const {
    return {hash, workload_hash(w) + round_tag(round), keys_.device_key, keys_.toolchain_key, keys_.definition_hash};
  }
  void step(const std::string& what) {
    ++done_;
    if (opt_.tick) opt_.tick(done_, total_, what);
  }

  Judge& judge_;
  Store& store_;
  SessionKeys keys_;
  const TuneOptions& opt_;
  size_t total_, done_ = 0, reused_ = 0;
};

// v is dominated when another variant is at least as fast on every workload and faster on one
// (a variant that fails everywhere is dominated by any that passes somewhere).
std::vector<bool> dominated(const std::vector<std::vector<double>>& ms) {
  std::vector<bool> out(ms.size(), false);
  for (size_t v = 0; v < ms.size(); ++v)
    for (size_t u = 0; u < ms.size() && !out[v]; ++u) {
      if (u == v || out[u]) continue;
      bool no_worse = true, better = false;
      for (size_t w = 0; w < ms[v].size(); ++w) {
        no_worse = no_worse && ms[u][w] <= ms[v][w];
        better = better || ms[u][w] < ms[v][w];
      }
      out[v] = no_worse && better;
    }
  return out;
}

double geomean_of(const std::vector<double>& ms) {
  for (double x : ms)
    if (!std::isfinite(x)) return 0;
  return geometric_mean(ms);
}

}  // namespace

Json TuneReport::to_json() const {
  Json vs = Json::array();
  for (const VariantSummary& v : variants)
    vs.push_back({{"name", v.name}, {"built", v.built}, {"dominated", v.dominated}, {"public_passed", v.public_passed},
                  {"public_geomean_ms", v.public_geomean_ms}});
  return Json{{"kda_tune", 1},
              {"router", router_dir.string()},
              {"regimes_json", regimes_json.string()},
              {"regimes", regimes},
              {"variants", vs},
              {"measurements", {{"total", measurements_total}, {"reused", measurements_reused}}},
              {"public", {{"regret", public_regret}}},
              {"hidden", {{"workloads", hidden_workloads},
                          {"router_passed", router_passed_hidden},
                          {"router_geomean_ms", hidden_router_geomean_ms},
                          {"oracle_geomean_ms", hidden_oracle_geomean_ms},
                          {"regret", hidden_regret},
                          {"speedup_vs_baseline", hidden_speedup_vs_baseline},
                          {"best_single_variant", best_single_variant},
                          {"speedup_vs_best_single", hidden_speedup_vs_best_single},
                          {"per_workload", hidden_detail}}}};
}

TuneReport tune(const TaskDir& task, const TuneOptions& opt) {
  auto say = [&](const std::string& s) {
    if (opt.progress) opt.progress(s);
  };
  const std::string language = language_for_backend(opt.eval.backend);
  std::vector<Variant> variants = variants_of(solutions_to_tune(task, opt, language));
  const std::vector<const Workload*> pub = task.select("public"), hidden = task.select("hidden");
  if (pub.empty()) fail(ErrorKind::kInput, task.root.string() + ": no public workloads to tune on (workloads.jsonl)");
  say("tuning " + std::to_string(variants.size()) + " variants x " + std::to_string(pub.size()) + " public workloads");

  TuneReport rep;
  std::vector<BuildResult> builds = build_all(variants, opt);
  std::vector<Variant> built;
  for (size_t i = 0; i < variants.size(); ++i) {
    rep.variants.push_back({variants[i].solution.name, builds[i].ok});
    if (builds[i].ok) built.push_back(variants[i]);
    else say("variant " + variants[i].solution.name + " does not build; left out:\n" + builds[i].log);
  }
  if (built.empty()) fail(ErrorKind::kInput, "no variant builds; kda eval on one of them shows the compiler's message");

  EvalOptions eo = opt.eval;
  eo.workloads = "all";
  eo.draw_cache_bytes = default_draw_cache_bytes();  // every workload is evaluated once per variant
  Judge judge(task, eo);
  Store store(task.store_dir());
  Measurer m(judge, store, session_keys(task, opt, judge, language), opt, built.size() * pub.size());

  std::vector<Measurer::Entry> built_entries;
  for (const Variant& v : built) built_entries.push_back({&v.solution, v.hash});
  std::vector<std::vector<double>> ms;
  for (Row& r : m.measure(built_entries, pub)) ms.push_back(std::move(r.ms));
  const std::vector<bool> dom = dominated(ms);
  std::vector<Variant> kept;
  std::vector<std::vector<double>> kept_ms;
  for (size_t i = 0; i < built.size(); ++i) {
    auto it = std::find_if(rep.variants.begin(), rep.variants.end(), [&](const VariantSummary& s) { return s.name == built[i].solution.name; });
    it->dominated = dom[i];
    it->public_passed = std::count_if(ms[i].begin(), ms[i].end(), [](double x) { return std::isfinite(x); });
    it->public_geomean_ms = geomean_of(ms[i]);
    if (dom[i]) continue;
    kept.push_back(built[i]);
    kept_ms.push_back(ms[i]);
  }
  say(std::to_string(built.size() - kept.size()) + " of " + std::to_string(built.size()) + " variants dominated on every workload");

  SegmentationInput si;
  for (const Axis& a : task.definition.axes)
    if (!a.is_const) si.var_axes.push_back(a.name);
  for (const Workload* w : pub) si.shapes.push_back(resolve_axes(task.definition, w->axes, w->origin));
  si.latency_ms = kept_ms;
  si.max_regimes = opt.max_specialists;
  Segmentation seg = segment(si);
  rep.public_regret = seg.regret;

  RouterInput ri;
  ri.name = task.definition.name + "_" + opt.eval.backend + "_router";
  ri.backend = opt.eval.backend;
  ri.definition = &task.definition;
  ri.segmentation = seg;
  ri.variants = kept;
  Json tuned_workloads = Json::array();
  for (const Workload* w : pub) tuned_workloads.push_back(w->uuid);
  ri.tuned_on = {{"device", judge.device()}, {"toolchain", compiler_version(language)}, {"workloads", tuned_workloads}};
  rep.router_dir = opt.out.empty() ? task.root / "routers" / (task.definition.name + "_" + opt.eval.backend) : opt.out;
  Solution router = write_router(rep.router_dir, ri);
  rep.regimes_json = rep.router_dir / "regimes.json";
  rep.regimes = regime_table(ri);
  say("router: " + std::to_string(seg.leaves()) + " regimes (" + describe_regimes(rep.regimes) + "), predicted regret " +
      std::to_string(seg.regret * 100) + " % on the tuned shapes");

  // The check: hidden shapes, never used above. The surviving variants give the oracle there.
  rep.hidden_workloads = hidden.size();
  if (!hidden.empty()) {
    // Each pair is measured in several rounds, each a separate evaluation, and keeps its best:
    // two evaluations of the same code can differ by more than the gaps between specialists
    // (thread placement, a busy neighbour), and the regret is a ratio of such numbers. The
    // rounds interleave the router with the variants so that a slow spell hits them alike.
    const int rounds = std::max(1, opt.hidden_rounds);
    m.add_to_total(static_cast<size_t>(rounds) * (kept.size() + 1) * hidden.size());
    Row router_row{std::vector<double>(hidden.size(), kInf), std::vector<double>(hidden.size(), 0.0)};
    // A failure in any round counts: a pair passes only if it passed every round.
    std::vector<std::vector<bool>> failed(kept.size() + 1, std::vector<bool>(hidden.size(), false));
    auto keep_best = [&](size_t who, Row& best, const Row& now) {
      for (size_t w = 0; w < hidden.size(); ++w) {
        if (!std::isfinite(now.ms[w])) failed[who][w] = true;
        else if (now.ms[w] < best.ms[w]) best.ms[w] = now.ms[w], best.speedup[w] = now.speedup[w];
      }
    };
    std::vector<Row> hrows(kept.size(), router_row);
    std::vector<Measurer::Entry> checked;
    for (const Variant& v : kept) checked.push_back({&v.solution, v.hash});
    checked.push_back({&router, router.content_hash()});
    for (int r = 0; r < rounds; ++r) {
      std::vector<Row> now = m.measure(checked, hidden, r);
      for (size_t i = 0; i < kept.size(); ++i) keep_best(i, hrows[i], now[i]);
      keep_best(kept.size(), router_row, now[kept.size()]);
    }
    // Each variant's best time per hidden shape, +inf where any round failed.
    std::vector<std::vector<double>> hms;
    for (size_t i = 0; i < kept.size(); ++i) {
      hms.push_back(hrows[i].ms);
      for (size_t w = 0; w < hidden.size(); ++w)
        if (failed[i][w]) hms[i][w] = kInf;
    }
    for (size_t w = 0; w < hidden.size(); ++w)
      if (failed[kept.size()][w]) router_row.ms[w] = kInf, router_row.speedup[w] = 0;
    const std::vector<double>& router_ms = router_row.ms;
    rep.router_passed_hidden = std::all_of(router_ms.begin(), router_ms.end(), [](double x) { return std::isfinite(x); });

    // Best single variant: best public geomean among those that pass every public workload.
    double best = kInf;
    size_t best_i = kept.size();
    for (size_t i = 0; i < kept.size(); ++i) {
      double g = geomean_of(kept_ms[i]);
      if (g > 0 && g < best) best = g, best_i = i;
    }
    std::vector<double> ratio_oracle, ratio_single, router_ok, oracle_ok;
    auto ms_or_null = [](double x) { return std::isfinite(x) ? Json(x) : Json(nullptr); };
    for (size_t w = 0; w < hidden.size(); ++w) {
      double oracle = kInf;
      size_t oracle_i = kept.size();
      for (size_t i = 0; i < hms.size(); ++i)
        if (hms[i][w] < oracle) oracle = hms[i][w], oracle_i = i;
      const Shape shape = resolve_axes(task.definition, hidden[w]->axes, hidden[w]->origin);
      rep.hidden_detail.push_back({{"workload", hidden[w]->uuid},
                                   {"router_ms", ms_or_null(router_ms[w])},
                                   {"routed_to", kept[seg.variant_for(shape)].solution.name},
                                   {"oracle_ms", ms_or_null(oracle)},
                                   {"oracle_variant", oracle_i < kept.size() ? Json(kept[oracle_i].solution.name) : Json(nullptr)}});
      if (!std::isfinite(router_ms[w]) || !std::isfinite(oracle)) continue;
      router_ok.push_back(router_ms[w]);
      oracle_ok.push_back(oracle);
      ratio_oracle.push_back(router_ms[w] / oracle);
      if (best_i < kept.size() && std::isfinite(hms[best_i][w])) ratio_single.push_back(hms[best_i][w] / router_ms[w]);
    }
    if (!router_ok.empty()) {
      rep.hidden_router_geomean_ms = geometric_mean(router_ok);
      rep.hidden_oracle_geomean_ms = geometric_mean(oracle_ok);
      rep.hidden_regret = geometric_mean(ratio_oracle) - 1.0;
    }
    if (best_i < kept.size()) {
      rep.best_single_variant = kept[best_i].solution.name;
      if (!ratio_single.empty()) rep.hidden_speedup_vs_best_single = geometric_mean(ratio_single);
    }
    std::vector<double> speedups;
    for (double x : router_row.speedup)
      if (x > 0) speedups.push_back(x);
    rep.hidden_speedup_vs_baseline = geometric_mean(speedups);
  }
  rep.measurements_total = m.done();
  rep.measurements_reused = m.reused();
  judge.finish();
  return rep;
}

}  // namespace kda
