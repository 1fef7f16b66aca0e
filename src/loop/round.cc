// One round's steps and the task loop (run.h): WRITE → CHECK → PROFILE → REVIEW → decide, with
// CONSULT, ESCALATE and the stop rules. Every step returns its journaled record when it has
// already finished, so a resumed run redoes only the step in progress.
#include <cstdio>

#include "agents/agent.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "eval/judge.h"
#include "loop/evidence.h"
#include "loop/knowledge.h"
#include "loop/prompts.h"
#include "loop/run.h"

namespace kda::loop {
namespace fs = std::filesystem;

Json Run::write_step(const PlanTask& t, int n, const Json& tried, const Json& advice) {
  const std::string key = t.id + "/" + std::to_string(n) + "/write";
  if (auto done = journal->get(key)) return *done;
  // The writer sees the goal, what was tried, lessons, advice, the last profile's findings and
  // what the wiki says about them — never hidden workloads.
  const Json last = latest_profile(t, n);
  const Json findings = last.is_object() ? last.value("findings", Json::array()) : Json::array();
  std::string note = profiler_unavailable();
  if (note.empty())
    note = last.is_object() ? "findings of round " + std::to_string(last.value("round", 0)) + "'s candidate on public workload " +
                                  last.value("workload", std::string())
                            : "no candidate of this task has been profiled yet (the first profile comes after round 1's CHECK)";
  Json ctx = {{"task", t.id}, {"goal", t.goal}, {"round", n}, {"tried", tried}, {"advice", advice},
              {"lessons", read_lessons()}, {"findings", findings},
              {"profile_diff", last.is_object() ? last.value("diff", Json()) : Json()},
              {"profiled_round", last.is_object() ? last.value("round", 0) : 0},
              {"wiki_hits", wiki_hits(loop_wiki_dir(), task.definition.op_type.empty() ? task.definition.name : task.definition.op_type,
                                      findings)},
              {"note", note}};
  fs::create_directories(workspace() / ".kda");
  write_file_atomic(workspace() / ".kda" / "context.json", ctx.dump(1));
  const fs::path rd = round_dir(t.id, n);
  fs::create_directories(rd);
  // A copy beside the round's other records: what this writer was given.
  write_file_atomic(rd / "writer_context.json", ctx.dump(1) + "\n");
  const agents::Permissions perms = writer_permissions();
  const std::string prompt = writer_prompt(t, n, perms, profiler_unavailable());
  write_file_atomic(rd / "writer_prompt.md", prompt);
  auto writer = make_agent(meta["writer"], agents::Role::kWriter);
  agents::AgentRequest req{agents::Role::kWriter, prompt, workspace(), perms, std::chrono::seconds(1800), rd};
  agents::AgentResult res = writer->run(req);
  Json final_msg = Json::object();
  try {
    final_msg = parse_json(res.final_message, "writer answer");
  } catch (...) {
    final_msg = {{"summary", res.final_message}};
  }
  if (!final_msg.is_object()) final_msg = {{"summary", res.final_message}};
  write_file_atomic(rd / "writer_summary.md", final_msg.value("summary", std::string("(no summary)")) + "\n");
  write_file_atomic(rd / "claims.json", final_msg.value("claims", Json::object()).dump(1) + "\n");
  if (final_msg.contains("reasons")) write_file_atomic(rd / "writer_reasons.json", final_msg["reasons"].dump(1) + "\n");
  git(workspace(), {"add", "-A"});
  git(workspace(), {"commit", "-q", "--allow-empty", "-m", t.id + " round " + std::to_string(n)});
  const std::string commit = trim(git(workspace(), {"rev-parse", "HEAD"}).out);
  const std::string parent = trim(git(workspace(), {"rev-parse", "HEAD~1"}).out);
  const std::string diff = git(workspace(), {"diff", "--name-only", "HEAD~1", "HEAD"}).out;
  const std::string patch = git(workspace(), {"diff", "--binary", "HEAD~1", "HEAD"}).out;
  Json files = Json::array();
  for (size_t a = 0, b; a < diff.size(); a = b + 1) {
    b = diff.find('\n', a);
    if (b == std::string::npos) b = diff.size();
    if (b > a) files.push_back(diff.substr(a, b - a));
  }
  Json step = {{"commit", commit}, {"parent", parent}, {"diff_files", files}, {"diff_sha256", sha256_hex(patch)}, {"ok", res.ok()}, {"error", res.error},
               {"exhausted", final_msg.value("exhausted", false)}, {"claims", final_msg.value("claims", Json::object())},
               {"params", final_msg.value("params", Json())}, {"transcript_sha256", agents::transcript_sha256(res)},
               {"prompt_sha256", sha256_hex(prompt)}, {"usage", agents::usage_json(res.usage)}};
  if (final_msg.contains("reasons")) step["reasons"] = final_msg["reasons"];  // the built-in writer's choices
  log("write", {{"task", t.id}, {"round", n}, {"commit", commit}, {"parent", parent}, {"diff_sha256", step["diff_sha256"]},
                {"prompt_sha256", step["prompt_sha256"]}, {"transcript_sha256", step["transcript_sha256"]}});
  journal->put(key, "write", step);
  return step;
}

Json Run::check_step(const PlanTask& t, int n) {
  const std::string key = t.id + "/" + std::to_string(n) + "/check";
  if (auto done = journal->get(key)) return *done;
  Json result;
  if (std::string problem = integrity_problem(); !problem.empty()) {
    result = {{"rejected", true}, {"reason", "integrity: " + problem}, {"integrity_ok", false}, {"integrity_problem", problem}};
    log("integrity_violation", {{"task", t.id}, {"round", n}, {"problem", problem}});
  } else {
    result = evaluate_candidate(t);
    result["integrity_ok"] = true;
  }
  write_file_atomic(round_dir(t.id, n) / "checks.json", result.dump(1) + "\n");
  log("check", {{"task", t.id}, {"round", n}, {"result_sha256", sha256_hex(result.dump())},
                {"rejected", result.value("rejected", false)}, {"criteria_hold", result.value("criteria_hold", false)}});
  journal->put(key, "check", result);
  return result;
}

Json Run::evaluate_candidate(const PlanTask& t) {
  try {
    Solution s = load_solution(workspace() / "solution");
    EvalOptions eo;
    eo.backend = meta["backend"];
    eo.arch = meta.value("arch", "");
    eo.workloads = "all";
    eo.sandbox = meta.value("sandbox", true);
    eo.stop.budget_seconds = meta.value("eval_budget_seconds", 0.3);
    Judge judge(task, eo);
    SolutionResult r = judge.evaluate(s);
    judge.finish();
    Json traces = Json::array();
    for (const Trace& tr : r.traces) {
      Json j = {{"workload", tr.workload.uuid}, {"split", tr.workload.split == Split::kHidden ? "hidden" : "public"},
                {"status", to_string(tr.status)}, {"reason_code", tr.reason_code}};
      if (tr.performance) {
        j["latency_ms"] = tr.performance->latency_ms;
        j["speedup"] = tr.performance->speedup_factor;
      }
      traces.push_back(j);
    }
    Json crit = Json::array();
    bool hold = true;
    for (const CriterionResult& c : evaluate(t, r.traces)) {
      crit.push_back({{"criterion", c.criterion}, {"holds", c.holds}, {"measured", c.measured}});
      hold &= c.holds;
    }
    Measured hidden = measure(r.traces, "hidden");
    return {{"rejected", false}, {"solution_hash", r.solution_hash}, {"build_ok", r.build.ok},
            {"traces", traces}, {"criteria", crit}, {"criteria_hold", hold},
            {"geomean_speedup_hidden", hidden.geomean_speedup}, {"all_passed_hidden", hidden.all_passed}};
  } catch (const Error& e) {
    // A changed baseline pin, a broken reference: the round cannot be judged.
    return {{"rejected", true}, {"reason", e.what()}, {"criteria_hold", false}};
  }
}

Json Run::review_step(const PlanTask& t, int n, const Json& write, const Json& check, const Json& profile) {
  const std::string key = t.id + "/" + std::to_string(n) + "/review";
  if (auto done = journal->get(key)) return *done;
  const fs::path rd = round_dir(t.id, n);
  const fs::path bundle = rd / "evidence";
  fs::create_directories(bundle);
  Json prof = profile;
  if (prof.is_object()) prof["round"] = n;
  write_file_atomic(bundle / "evidence.json", evidence_bundle(t, n, write, check, prof).dump(1) + "\n");
  const std::string prompt = verifier_prompt(t, n);
  write_file_atomic(rd / "review_prompt.md", prompt);
  // A fresh verifier every round: nothing a writer said earlier can carry over.
  auto verifier = make_agent(meta["verifier"], agents::Role::kVerifier);
  agents::Permissions ro;
  ro.read_only = true;
  // Its transcript goes beside the bundle, never into it: the bundle stays read-only to it.
  agents::AgentRequest req{agents::Role::kVerifier, prompt, bundle, ro, std::chrono::seconds(900), rd / "verifier"};
  agents::AgentResult res = verifier->run(req);
  Json verdict;
  try {
    verdict = parse_json(res.final_message, "verifier answer");
    if (!verdict.is_object() || !verdict.contains("verdict") ||
        (verdict["verdict"] != "PASS" && verdict["verdict"] != "FAIL") || !verdict.value("reasons", Json()).is_array())
      throw std::runtime_error("not the verdict format");
  } catch (...) {
    verdict = {{"verdict", "FAIL"}, {"reasons", Json::array({"the verifier's answer is not the JSON verdict of DESIGN §7"})},
               {"requests", Json::array()}, {"raw", res.final_message.substr(0, 2000)}};
  }
  if (!res.ok()) verdict = {{"verdict", "FAIL"}, {"reasons", Json::array({"the verifier failed: " + res.error})}, {"requests", Json::array()}};
  write_file_atomic(rd / "review.json", verdict.dump(1) + "\n");
  log("review", {{"task", t.id}, {"round", n}, {"verdict", verdict["verdict"]}, {"review_sha256", sha256_hex(verdict.dump())}});
  verdict["usage"] = agents::usage_json(res.usage);
  journal->put(key, "review", verdict);
  return verdict;
}

RunOutcome Run::run_tasks(const std::string& note_text) {
  for (const PlanTask& t : plan.tasks) {
    if (journal->get(t.id + "/done")) continue;
    int failures = 0, since_progress = 0;
    double best = 0;
    Json tried = Json::array(), advice = Json::array();
    for (int n = 1; n <= t.max_rounds; ++n) {
      if (double limit = meta.value("wall_seconds", 0.0); limit > 0 &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() > limit) {
        log("budget_exhausted", {{"task", t.id}, {"round", n}, {"wall_seconds", limit}});
        return outcome("stopped");
      }
      const long max_tokens = meta.value("max_tokens", 0L);
      const double max_cost = meta.value("max_cost_usd", 0.0);
      if (max_tokens > 0 || max_cost > 0) {
        const agents::Usage used = spent();
        if (agents::budget_reached(used, max_tokens, max_cost)) {
          log("budget_exhausted", {{"task", t.id}, {"round", n}, {"tokens", used.tokens()}, {"cost_usd", used.cost_usd},
                                   {"max_tokens", max_tokens}, {"max_cost_usd", max_cost}});
          return outcome("stopped");
        }
      }
      const std::string base = t.id + "/" + std::to_string(n);
      // An escalation pauses the run before this round until a person answers.
      if (journal->get(base + "/escalated")) {
        if (!journal->get(base + "/answered")) {
          if (note_text.empty()) return outcome("paused");
          journal->put(base + "/answered", "note", {{"note", note_text}});
          log("escalation_answered", {{"task", t.id}, {"round", n}, {"note_sha256", sha256_hex(note_text)}});
        }
        advice.push_back("A person answered the escalation: " + journal->get(base + "/answered")->value("note", std::string()));
        failures = 0;
      } else if (failures >= plan.escalate_after) {
        escalate(t, n, failures);
        return outcome("paused");
      }
      if (status) {
        char line[200];
        std::snprintf(line, sizeof line, "kda run: task %s round %d/%d, best geomean speedup %.2fx, %.0f s",
                      t.id.c_str(), n, t.max_rounds, best,
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        status(line);
      }
      Json w = write_step(t, n, tried, advice);
      if (w.value("exhausted", false)) {
        finish_task(t, "stopped: the writer has nothing left to try", n);
        break;
      }
      Json c = check_step(t, n);
      Json p = profile_step(t, n, c);
      Json v = review_step(t, n, w, c, p);
      const bool pass = !c.value("rejected", false) && c.value("criteria_hold", false) &&
                        (!t.review_required || v["verdict"] == "PASS");
      decide(t, n, w, c, v, pass);
      // The measured history, with what the profiler said about each candidate.
      Json cats = Json::array();
      for (const Json& f : p.value("findings", Json::array()))
        if (cats.size() < 3) cats.push_back(f.value("category", std::string()));
      tried.push_back({{"round", n}, {"params", w["params"]}, {"geomean_speedup", c.value("geomean_speedup_hidden", 0.0)},
                       {"passed", c.value("all_passed_hidden", false)}, {"findings", cats}});
      if (pass) {
        finish_task(t, "PASSED", n);
        break;
      }
      ++failures;
      const double g = c.value("all_passed_hidden", false) ? c.value("geomean_speedup_hidden", 0.0) : 0;
      if (g > best * 1.01) {
        best = g;
        since_progress = 0;
      } else if (++since_progress >= plan.stall_rounds) {
        finish_task(t, "stopped: no progress in " + std::to_string(plan.stall_rounds) + " rounds", n);
        break;
      }
      if (failures >= plan.consult_after) {
        // CONSULT: the verifier's requests become the writer's advice for the next round.
        for (const Json& r : v.value("requests", Json::array())) advice.push_back(r);
        for (const Json& r : v.value("reasons", Json::array())) advice.push_back(r);
      }
      if (n == t.max_rounds) finish_task(t, "stopped: round budget spent", n);
    }
  }
  log("run_end", {{"tasks", summary()}});
  return outcome("completed");
}

void Run::decide(const PlanTask& t, int n, const Json& w, const Json& c, const Json& v, bool pass) {
  const std::string key = t.id + "/" + std::to_string(n) + "/decide";
  if (journal->get(key)) return;
  std::string reason = pass ? "every criterion holds on the hidden workloads and the verifier passed it" : "";
  if (!pass) {
    if (c.value("rejected", false)) reason = "rejected: " + c.value("reason", std::string());
    else if (!c.value("criteria_hold", false)) {
      for (const Json& k : c.value("criteria", Json::array()))
        if (!k.value("holds", false)) reason += (reason.empty() ? "" : "; ") + std::string("not met: ") + k.value("criterion", std::string());
    } else reason = "the verifier failed it";
  }
  Json d = {{"commit", w["commit"]}, {"pass", pass}, {"reason", reason},
            {"geomean_speedup_hidden", c.value("geomean_speedup_hidden", 0.0)},
            {"all_passed_hidden", c.value("all_passed_hidden", false)}, {"verdict", v["verdict"]}};
  // A crash between these appends and the journal entry must not duplicate a line on resume.
  const std::string round_tag = t.id + " round " + std::to_string(n) + ":";
  if (!ledger_has(dir / "candidates.jsonl", "\"task\":\"" + t.id + "\",\"round\":" + std::to_string(n) + ","))
    append_line_durable(dir / "candidates.jsonl",
                        Json{{"task", t.id}, {"round", n}, {"commit", w["commit"]}, {"parent", w.value("parent", "")}, {"params", w["params"]},
                             {"solution_hash", c.value("solution_hash", std::string())},
                             {"traces", c.value("traces", Json::array())}, {"promoted", pass}, {"reason", reason}}.dump());
  char g[64];
  std::snprintf(g, sizeof g, "%.3f", c.value("geomean_speedup_hidden", 0.0));
  if (!ledger_has(dir / "lessons.md", "- " + round_tag))
    append_line_durable(dir / "lessons.md", "- " + round_tag + " params " + w.value("params", Json()).dump() +
                                                " -> hidden geomean " + g + "x; " + (pass ? "PASS" : reason));
  log("decide", {{"task", t.id}, {"round", n}, {"pass", pass}, {"reason", reason}});
  journal->put(key, "decide", d);
}

void Run::finish_task(const PlanTask& t, const std::string& status_text, int rounds) {
  if (journal->get(t.id + "/done")) return;
  if (status_text == "PASSED") {
    const fs::path best = dir / "best" / t.id;
    fs::remove_all(best);
    fs::create_directories(best.parent_path());
    fs::copy(workspace() / "solution", best, fs::copy_options::recursive);
  }
  log("task_done", {{"task", t.id}, {"status", status_text}, {"rounds", rounds}});
  journal->put(t.id + "/done", "done", {{"status", status_text}, {"rounds", rounds}});
}

void Run::escalate(const PlanTask& t, int n, int failures) {
  const std::string key = t.id + "/" + std::to_string(n) + "/escalated";
  std::string md = "# Escalation: task " + t.id + "\n\nThe task failed " + std::to_string(failures) +
                   " rounds in a row. The last reasons are in rounds/" + t.id + "/" + std::to_string(n - 1) +
                   "/review.json and checks.json; lessons.md has every round.\n\nQuestion: how should the writer "
                   "proceed? Answer with `kda resume " + dir.string() + " --note FILE`.\n";
  write_file_atomic(dir / "ESCALATION.md", md);
  log("escalate", {{"task", t.id}, {"round", n}, {"failures", failures}});
  journal->put(key, "escalate", {{"failures", failures}});
}

}  // namespace kda::loop
