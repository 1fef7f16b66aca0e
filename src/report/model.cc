#include "report/model.h"

#include <algorithm>
#include <map>
#include <set>

#include "audit/audit_log.h"
#include "core/error.h"
#include "core/fs.h"
#include "report/sources.h"
#include "store/store.h"
#include "task/definition.h"
#include "task/task_dir.h"

namespace fs = std::filesystem;

namespace kda::report {
namespace {

bool is_task(const fs::path& p) { return fs::is_regular_file(p / "definition.json"); }
bool is_run(const fs::path& p) { return fs::is_regular_file(p / "run.json"); }

// A value at a JSON pointer-like path, or `fallback` when any step is missing or of another type.
template <typename T>
T at(const Json& j, std::initializer_list<const char*> keys, T fallback) {
  const Json* cur = &j;
  for (const char* k : keys) {
    if (!cur->is_object() || !cur->contains(k)) return fallback;
    cur = &(*cur)[k];
  }
  try {
    return cur->is_null() ? fallback : cur->get<T>();
  } catch (const std::exception&) {
    return fallback;
  }
}

Json workload_costs(const Definition& def, const Json& axes_json) {
  Json out = Json::object();
  try {
    std::map<std::string, int64_t> var;
    for (const auto& [k, v] : axes_json.items()) var[k] = v.get<int64_t>();
    std::map<std::string, int64_t> axes = resolve_axes(def, var, "report");
    if (!def.flops_expr.empty()) out["flops"] = eval_formula(def.flops_expr, axes, "kda.flops");
    if (!def.bytes_expr.empty()) out["bytes"] = eval_formula(def.bytes_expr, axes, "kda.bytes");
  } catch (const std::exception&) {
    // a trace of another shape set (or a bad formula): no roofline point, the rest still shows
  }
  return out;
}

// One row of the trace table: the figures the views draw, each keyed by the trace's id.
Json trace_row(const std::string& id, const StoredTrace& st, const Definition* def) {
  const Json& t = st.trace;
  Json row = {{"id", id},
              {"solution", st.solution},
              {"solution_hash", st.solution_hash},
              {"workload", st.workload},
              {"split", at<std::string>(t, {"workload", "kda", "split"}, "")},
              {"status", st.status},
              {"created_at", st.created_at},
              {"reason_code", at<std::string>(t, {"kda", "reason_code"}, "")},
              {"reason", at<std::string>(t, {"kda", "reason"}, "")},
              {"hardware", at<std::string>(t, {"evaluation", "environment", "hardware"}, "")},
              {"backend", at<std::string>(t, {"kda", "environment", "backend"}, "")}};
  if (t.contains("evaluation") && t["evaluation"].contains("performance")) {
    row["latency_ms"] = at<double>(t, {"evaluation", "performance", "latency_ms"}, 0);
    // Against the pinned baseline: kda.performance.baseline_* (task/trace.h); traces stored before
    // that split had the baseline's figures in evaluation.performance.
    const bool split = at<double>(t, {"kda", "performance", "baseline_latency_ms"}, -1) >= 0;
    row["reference_latency_ms"] = split ? at<double>(t, {"kda", "performance", "baseline_latency_ms"}, 0)
                                        : at<double>(t, {"evaluation", "performance", "reference_latency_ms"}, 0);
    row["speedup"] = split ? at<double>(t, {"kda", "performance", "baseline_speedup_factor"}, 0)
                           : at<double>(t, {"evaluation", "performance", "speedup_factor"}, 0);
    row["fraction_of_roofline"] = at<double>(t, {"kda", "performance", "fraction_of_roofline"}, 0);
  }
  if (def && t.contains("workload") && t["workload"].contains("axes")) {
    Json c = workload_costs(*def, t["workload"]["axes"]);
    for (const auto& [k, v] : c.items()) row[k] = v;
  }
  return row;
}

Json audit_summary(const fs::path& log, Store* anchor) {
  if (!fs::exists(log)) return {{"present", false}};
  AuditCheck c = AuditLog(log, anchor).verify();
  return {{"present", true}, {"path", log.string()}, {"ok", c.ok}, {"records", c.records}, {"head", c.head},
          {"bad_line", c.bad_line}, {"problem", c.problem}, {"anchored", c.anchored},
          {"anchored_records", c.anchored_records}, {"note", c.note}, {"recovery", c.recovery}};
}

// The store's anchor is needed for the same answer as `kda audit verify`; Store's constructor
// only migrates an older schema, so it is opened only when the schema is the current one.
Json task_audit(const fs::path& task_root) {
  const fs::path store_dir = task_root / ".kda";
  if (!store_exists(store_dir))
    return audit_summary(store_dir / "audit.jsonl", nullptr);
  try {
    Store store(store_dir);
    return audit_summary(store_dir / "audit.jsonl", &store);
  } catch (const Error& e) {
    Json j = audit_summary(store_dir / "audit.jsonl", nullptr);
    j["store_error"] = e.what();
    return j;
  }
}

Json read_findings(const fs::path& dir) {
  Json out = Json::array();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it.depth() > 3) it.disable_recursion_pending();
    if (it->path().filename() != "diagnosis.json") continue;
    try {
      Json d = read_json_file(it->path());
      if (d.value("schema_version", 0) != 1) continue;
      for (const Json& k : d.value("kernels", Json::array()))
        for (const Json& f : k.value("findings", Json::array()))
          out.push_back({{"kernel", k.value("name", std::string())}, {"category", f.value("category", std::string())},
                         {"severity", f.value("severity", std::string())},
                         {"estimated_speedup", f.value("estimated_speedup", Json())},
                         {"fix", f.value("fix", Json())}, {"source", it->path().string()}});
    } catch (const Error&) {
    }
  }
  return out;
}

Json run_model(const fs::path& run_dir, Json& bodies) {
  const std::string run_id = run_dir.filename().string();
  Json meta = read_json_file(run_dir / "run.json");
  Json run = {{"id", run_id}, {"path", run_dir.string()}, {"backend", meta.value("backend", Json())},
              {"task_dir", meta.value("task_dir", Json())}, {"writer", meta.value("writer", Json())},
              {"verifier", meta.value("verifier", Json())}, {"frozen", meta.value("frozen", Json())},
              {"paused", fs::exists(run_dir / "ESCALATION.md") || fs::exists(run_dir / "PLAN_REVIEW.md")}};
  // Rounds, from the journal: the source of truth (candidates.jsonl is written from it).
  std::map<std::pair<std::string, int>, Json> rounds;
  Json done = Json::object();
  for (const JournalStep& st : read_journal(run_dir / "journal.sqlite")) {
    const size_t a = st.key.find('/');
    const size_t b = st.key.find('/', a == std::string::npos ? a : a + 1);
    if (st.kind == "done") done[st.key.substr(0, a)] = st.data;
    if (a == std::string::npos || b == std::string::npos) continue;
    int n = 0;
    try {
      n = std::stoi(st.key.substr(a + 1, b - a - 1));
    } catch (const std::exception&) {
      continue;
    }
    const std::string task = st.key.substr(0, a);
    Json& r = rounds[{task, n}];
    if (r.is_null()) r = {{"task", task}, {"round", n}, {"verdict", "pending"}, {"traces", Json::array()}};
    r["journaled_at"] = st.at;
    if (st.kind == "write") {
      r["commit"] = st.data.value("commit", "");
      r["parent"] = st.data.value("parent", "");
      r["params"] = st.data.value("params", Json());
    } else if (st.kind == "check") {
      r["rejected"] = st.data.value("rejected", false);
      r["check_reason"] = st.data.value("reason", "");
      r["criteria"] = st.data.value("criteria", Json::array());
      r["solution_hash"] = st.data.value("solution_hash", "");
      int i = 0;
      for (const Json& t : st.data.value("traces", Json::array())) {
        const std::string id = "r" + run_id + "/" + task + "/" + std::to_string(n) + "/" + std::to_string(i++);
        Json row = t;
        row["id"] = id;
        r["traces"].push_back(row);
        bodies[id] = t;
      }
    } else if (st.kind == "review") {
      r["review"] = {{"verdict", st.data.value("verdict", Json())}, {"reasons", st.data.value("reasons", Json::array())}};
    } else if (st.kind == "decide") {
      r["verdict"] = st.data.value("pass", false) ? "PASS" : "REVISE";
      r["reason"] = st.data.value("reason", "");
      r["geomean_speedup_hidden"] = st.data.value("geomean_speedup_hidden", 0.0);
      r["all_passed_hidden"] = st.data.value("all_passed_hidden", false);
      r["decided_at"] = st.at;
    }
  }
  Json rows = Json::array();
  for (auto& [key, r] : rounds) {
    r["findings"] = read_findings(run_dir / "rounds" / key.first / std::to_string(key.second));
    rows.push_back(std::move(r));
  }
  run["rounds"] = rows;
  run["tasks_done"] = done;
  run["candidates"] = fs::exists(run_dir / "candidates.jsonl") ? Json(read_json_lines(run_dir / "candidates.jsonl")) : Json::array();
  for (Json& c : run["candidates"]) c.erase("traces");  // the rounds carry them, with ids
  run["audit"] = audit_summary(run_dir / "audit.jsonl", nullptr);
  return run;
}

Json task_model(const fs::path& root, const std::vector<fs::path>& only_runs, Json& bodies) {
  Json task = {{"name", root.filename().string()}, {"path", root.string()}};
  std::optional<Definition> def;
  try {
    def = load_definition(root / "definition.json");
    task["definition"] = {{"name", def->name}, {"flops", def->flops_expr}, {"bytes", def->bytes_expr}};
  } catch (const Error& e) {
    task["definition"] = {{"error", e.what()}};
  }
  Json workloads = Json::array();
  try {
    if (fs::exists(root / "workloads.jsonl"))
      for (const Workload& w : load_workloads(root / "workloads.jsonl")) {
        Json j = {{"uuid", w.uuid}, {"split", to_string(w.split)}, {"axes", w.axes}};
        if (def) j.update(workload_costs(*def, j["axes"]));
        workloads.push_back(j);
      }
  } catch (const Error& e) {
    task["workloads_error"] = e.what();
  }
  task["workloads"] = workloads;

  StoreContents store = read_store(root / ".kda");
  Json traces = Json::array();
  // The latest trace of each (solution, workload) is the one the speedup view shows.
  std::map<std::string, std::map<std::string, std::string>> latest;
  std::vector<std::string> solution_order, workload_order;
  std::set<std::string> seen_s, seen_w;
  std::map<std::string, std::set<std::string>> hashes;  // provenance: every distinct hash seen
  for (const StoredTrace& st : store.traces) {
    const std::string id = "s" + std::to_string(st.id);
    traces.push_back(trace_row(id, st, def ? &*def : nullptr));
    bodies[id] = st.trace;
    latest[st.solution][st.workload] = id;
    if (seen_s.insert(st.solution).second) solution_order.push_back(st.solution);
    if (seen_w.insert(st.workload).second) workload_order.push_back(st.workload);
    for (const char* k : {"definition_hash", "baseline_hash", "reference_hash", "seed_commitment", "evaluator_build"}) {
      const std::string v = at<std::string>(st.trace, {"kda", "provenance", k}, "");
      if (!v.empty()) hashes[k].insert(v);
    }
  }
  Json cells = Json::array();
  for (const std::string& s : solution_order) {
    Json row = Json::array();
    for (const std::string& w : workload_order) {
      auto it = latest[s].find(w);
      row.push_back(it == latest[s].end() ? Json() : Json(it->second));
    }
    cells.push_back(row);
  }
  task["traces"] = traces;
  task["speedup"] = {{"solutions", solution_order}, {"workloads", workload_order}, {"latest", cells}};
  task["tuning_rows"] = store.tuning_rows;

  Json regimes = Json::array();
  std::error_code ec;
  if (fs::is_directory(root / "routers", ec))
    for (const auto& e : fs::directory_iterator(root / "routers", ec))
      if (fs::exists(e.path() / "regimes.json")) {
        try {
          Json r = read_json_file(e.path() / "regimes.json");
          const int v = r.value("kda_regimes", 0);
          if (v == 1 || v == 2) regimes.push_back({{"path", (e.path() / "regimes.json").string()}, {"table", r}});
        } catch (const Error&) {
        }
      }
  task["regimes"] = regimes;
  task["ceilings"] = read_device_peaks();

  Json prov = {{"pins", Json::array()}};
  for (const Pin& p : store.pins) prov["pins"].push_back({{"name", p.name}, {"hash", p.hash}, {"pinned_at", p.pinned_at}});
  for (const auto& [k, vs] : hashes) prov[k] = std::vector<std::string>(vs.begin(), vs.end());
  Json candidates = Json::object();
  for (const StoredTrace& st : store.traces) candidates[st.solution] = st.solution_hash;
  prov["candidates"] = candidates;
  prov["audit"] = task_audit(root);
  task["provenance"] = prov;
  task["findings"] = read_findings(root / "profiles");

  Json runs = Json::array();
  std::vector<fs::path> run_dirs = only_runs;
  if (run_dirs.empty() && fs::is_directory(root / ".kda" / "runs", ec)) {
    for (const auto& e : fs::directory_iterator(root / ".kda" / "runs", ec))
      if (is_run(e.path())) run_dirs.push_back(e.path());
    std::sort(run_dirs.begin(), run_dirs.end());
  }
  for (const fs::path& r : run_dirs) runs.push_back(run_model(r, bodies));
  task["runs"] = runs;
  return task;
}

}  // namespace

std::string classify(const fs::path& path) {
  if (!fs::is_directory(path)) fail(ErrorKind::kNotFound, path.string() + ": no such directory");
  if (is_run(path)) return "run";
  if (is_task(path)) return "task";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(path, ec))
    if (is_task(e.path())) return "dataset";
  fail(ErrorKind::kInput, path.string() + ": not a task directory (no definition.json), a run directory (no run.json) "
                              "or a dataset (no subdirectory with a definition.json)");
}

Json build_model(const fs::path& input) {
  const fs::path path = fs::absolute(input).lexically_normal();
  const std::string kind = classify(path);
  Json bodies = Json::object();
  Json tasks = Json::array();
  if (kind == "task") {
    tasks.push_back(task_model(path, {}, bodies));
  } else if (kind == "run") {
    Json meta = read_json_file(path / "run.json");
    fs::path task_dir = meta.value("task_dir", std::string());
    if (task_dir.empty() || !is_task(task_dir)) task_dir = path.parent_path().parent_path().parent_path();
    if (!is_task(task_dir)) fail(ErrorKind::kInput, (path / "run.json").string() + ": its task_dir is not a task directory");
    tasks.push_back(task_model(task_dir, {path}, bodies));
  } else {
    std::vector<fs::path> dirs;
    for (const auto& e : fs::directory_iterator(path))
      if (is_task(e.path())) dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    for (const fs::path& d : dirs) tasks.push_back(task_model(d, {}, bodies));
  }
  return {{"kda_report", kReportSchemaVersion}, {"generated_at", utc_now()}, {"generator", "kda 0.1.0"},
          {"source", {{"kind", kind}, {"path", path.string()}}}, {"tasks", tasks}, {"trace_bodies", bodies}};
}

std::string fingerprint(const fs::path& input) {
  const fs::path path = fs::absolute(input).lexically_normal();
  std::string fp;
  std::error_code ec;
  auto add = [&](const fs::path& p) {
    auto size = fs::file_size(p, ec);
    if (ec) return;
    auto t = fs::last_write_time(p, ec);
    fp += p.string() + ":" + std::to_string(size) + ":" + std::to_string(t.time_since_epoch().count()) + "\n";
  };
  // Depth-limited: the store, journals, ledgers, logs and routers, never the workspaces' trees.
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_directory(ec)) {
      if (name == "workspace" || name == "objects" || name == "blob" || name == "specialists" || it.depth() > 6)
        it.disable_recursion_pending();
      continue;
    }
    if (name.starts_with("kda.db") || name.starts_with("journal.sqlite") || name == "audit.jsonl" ||
        name == "candidates.jsonl" || name == "run.json" || name == "regimes.json" || name == "diagnosis.json" ||
        name == "ESCALATION.md" || name == "PLAN_REVIEW.md")
      add(it->path());
  }
  return fp;
}

}  // namespace kda::report
