// The judge's private state, shared by its two halves: judge.cc (session set-up, runners, inputs,
// the public API) and evaluate_workload.cc (one workload's procedure, judge.h). Not an interface:
// only those two files include it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "audit/audit_log.h"
#include "build/rocm_probe.h"
#include "core/error.h"
#include "core/hash.h"
#include "build/python_build.h"
#include "eval/compare.h"
#include "eval/judge.h"
#include "eval/peaks.h"
#include "eval/phase_timer.h"
#include "eval/pins.h"
#include "eval/runner_client.h"
#include "eval/stats.h"
#include "eval/timing_rules.h"
#include "sandbox/sandbox.h"
#include "store/store.h"
#include "task/inputs.h"

namespace kda {

/// Rules 1-4's verdict on one call.
struct CallCheck {
  Status status = Status::kPassed;
  std::string code, reason;
  Correctness correctness;
};

/// 32 random bytes as hex (the session seed), and its first 64 bits.
std::string fresh_seed();
uint64_t seed_to_u64(const std::string& seed_hex);
/// The fast hashes of an input set, as the runner reports them after a call.
std::vector<std::string> hashes_of(const std::vector<HostTensor>& set);

struct Judge::Impl {
  TaskDir task;
  EvalOptions opt;
  std::filesystem::path runner_exe;
  Store store;
  AuditLog audit;
  std::string seed, commitment;
  uint64_t seed64 = 0;
  std::string definition_hash, workloads_hash;
  Solution baseline;
  std::string baseline_hash, reference_hash;
  BuildResult baseline_build, reference_build;
  std::string reference_backend;
  bool candidate_in_python = false;    // the solution being evaluated runs in the Python runner
  std::unique_ptr<RunnerClient> reference, base;
  // The candidate runners of the evaluation pass in progress (Judge::evaluate: one solution's
  // workloads; Judge::evaluate_grouped: one slot per solution). A runner serves the pass's
  // workloads one after another, and serves the next one only if may_serve_again() holds: it
  // has never been given this workload's inputs, and it fits the memory kept runners may hold
  // (make_room()). A runner that does not pass a workload leaves its slot at once
  // (evaluate_or_verdict), so one still in a slot passed its last workload. Every pass starts
  // with new runners and ends them all.
  struct CandidateRunner {
    std::unique_ptr<RunnerClient> runner;
    std::set<std::string> served;  // digests of the correctness sets of the workloads it served
    size_t footprint = 0;          // bytes charged to it: the largest workload's request it held
    uint64_t last_used = 0;        // for make_room(): the least recently used goes first
  };
  std::vector<CandidateRunner> pool;
  uint64_t pool_clock = 0;
  // Runners spawned ahead for the next workload (prestart()): null when none is waiting.
  std::unique_ptr<RunnerClient> next_cand, next_base;
  bool base_has_run = false;  // the current baseline runner has made its untimed first call
  std::string base_workload;  // on this workload (its uuid)
  // Runners told to stop (BYE sent) whose exit is not yet waited for: a GPU runner's exit tears
  // down its device context (~0.1 s), which overlaps the next workload's untimed first calls.
  // Waited for before anything is timed again (finish_retiring()).
  std::vector<std::unique_ptr<RunnerClient>> retiring;
  // The baseline's measurement of a workload. A plain evaluation starts a new one per workload
  // (base_meas); grouped ones (Judge::evaluate_grouped) keep one per workload for the session
  // (base_by_workload), to which each solution evaluated there adds its samples.
  struct BaselineMeasurement {
    double first_wall_ms = 0;       // the first untimed first call's wall time (sets the call timeout)
    std::vector<double> ms, ratio;  // timed samples and their clock ratios, all solutions'
    double seconds = 0;             // the wall time of the batches that count against the budget
  };
  BaselineMeasurement base_meas;
  std::map<std::string, BaselineMeasurement> base_by_workload;
  // Each side samples on half of the budget.
  StopRule half_budget() const {
    StopRule share = opt.stop;
    share.budget_seconds /= 2;
    return share;
  }
  // Whether the baseline's measurement needs no more samples (its stop rule holds).
  bool baseline_complete(const BaselineMeasurement& bm) const {
    return should_stop(half_budget(), summarize(bm.ms), bm.seconds) &&
           static_cast<int>(bm.ms.size()) >= std::min(opt.stop.min_samples, opt.stop.max_samples);
  }
  // Whether a baseline batch of `sets` calls beside a later solution fits in that half budget.
  bool beside_affordable(const BaselineMeasurement& bm, int sets) const {
    return !bm.ms.empty() && summarize(bm.ms).median * sets / 1e3 <= half_budget().budget_seconds;
  }
  // Whether a grouped evaluation of workload `uuid` may need a baseline runner: not when the
  // session's measurement there is complete and even a one-set batch beside is unaffordable.
  bool baseline_may_be_needed(const std::string& uuid) const {
    auto it = base_by_workload.find(uuid);
    return !grouped || it == base_by_workload.end() || !baseline_complete(it->second) || beside_affordable(it->second, 1);
  }
  bool grouped = false;  // inside evaluate_grouped
  Peaks peaks;
  Json device;
  bool peaks_known = false;
  // The device's memory as its runner reported it; nullopt on the CPU backend or when unreported.
  std::optional<uint64_t> device_memory_bytes() const {
    if (device.contains("memory_bytes") && device["memory_bytes"].is_number_unsigned())
      return device["memory_bytes"].get<uint64_t>();
    return std::nullopt;
  }

  Impl(const TaskDir& t, EvalOptions o)
      : task(t), opt(std::move(o)), runner_exe(locate_runner(opt.runner_exe)), store(task.store_dir()),
        audit(task.store_dir() / "audit.jsonl", &store) {}

  // Processes the judge must not kill when it sweeps up what a failed candidate left behind.
  std::vector<pid_t> trusted_pids() const {
    std::vector<pid_t> keep;
    if (reference) keep.push_back(reference->pid());
    if (base) keep.push_back(base->pid());
    if (next_base) keep.push_back(next_base->pid());
    // Other solutions' kept runners: frozen, and no part of what a failed candidate left behind.
    for (const CandidateRunner& c : pool)
      if (c.runner) keep.push_back(c.runner->pid());
    return keep;
  }

  void say(const std::string& s) {
    if (opt.progress) opt.progress(s);
  }

  RunnerConfig config(const BuildResult& build, const std::string& backend, const char* role) {
    RunnerConfig c;
    c.role = role;
    // Candidate code only: the reference and the baseline are the task's own.
    c.freeze_between_requests = std::string(role) == "candidate";
    c.runner_exe = runner_exe;
    c.backend = backend;
    c.library = build.library;
    c.sandbox = opt.sandbox;
    c.python = build.python;
    for (const TensorSpec& t : task.definition.inputs) c.input_dtypes.push_back(dtype_name(t.dtype));
    for (const TensorSpec& t : task.definition.outputs) c.output_dtypes.push_back(dtype_name(t.dtype));
    return c;
  }

  void check_sandbox() {
    if (!opt.sandbox) {
      say("warning: the sandbox is OFF (--no-sandbox): candidate code runs unconfined");
      if (opt.require_sandbox) fail(ErrorKind::kUsage, "--require-sandbox and --no-sandbox contradict each other");
      return;
    }
    SandboxStatus st = probe_sandbox();
    for (const std::string& w : st.warnings) say("WARNING: " + w);
    if (opt.require_sandbox && !(st.landlock_abi > 0 && st.seccomp_applied))
      fail(ErrorKind::kEnvironment, "--require-sandbox: this kernel cannot enforce the full sandbox (Landlock ABI " +
                                        std::to_string(st.landlock_abi) + "); run on a kernel with Landlock and seccomp");
  }

  // Pins are trust-on-first-use: the first evaluation records the hash, later ones must match.
  std::string check_pin(const std::string& name, const std::string& hash) {
    auto p = store.pin(name);
    if (!p) {
      store.set_pin(name, hash);
      audit.append("pin", {{"name", name}, {"hash", hash}, {"reason", "first use"}});
      say("pinned " + name + " = " + hash.substr(0, 12));
      return hash;
    }
    if (p->hash != hash)
      fail(ErrorKind::kIntegrity, name + " changed since it was pinned (" + p->hash.substr(0, 12) + " -> " +
                                      hash.substr(0, 12) + "); restore it, or run 'kda store pin " + task.root.string() +
                                      " " + name.substr(0, name.find(':')) + "' if the change is intended");
    return hash;
  }

  void prepare() {
    PhaseScope timer("session set-up (pins, audit)");
    // No ROCm GPU, hipcc or HIP runner: one line that says which, before anything is built (exit 6).
    if (opt.backend == "hip")
      if (std::string missing = hip_backend_missing(runner_exe); !missing.empty())
        fail(ErrorKind::kEnvironment, "--backend hip needs what this machine lacks: " + missing);
    check_sandbox();
    definition_hash = sha256_file(task.definition_file());
    workloads_hash = task.workloads_hash();  // the workloads file, and the --hidden file if one chose the split
    check_task_input_pins(task, store, audit, [this](const std::string& m) { say(m); });  // tolerances, workloads
    seed = fresh_seed();
    seed64 = seed_to_u64(seed);
    commitment = sha256_hex(seed);
    audit.append("session_start", {{"seed_commitment", commitment}, {"backend", opt.backend},
                                   {"definition_hash", definition_hash}, {"workloads_hash", workloads_hash},
                                   {"workloads", opt.workloads}});

    // Reference: the backend's own language if the task has it, else the C++ one on the CPU,
    // else the definition's PyTorch `reference` (flashinfer-bench's reference of record) on the
    // backend itself, in the Python runner.
    std::string lang = language_for_backend(opt.backend);
    Solution ref_sol;
    reference_backend = opt.backend;
    if (const NativeReference* ref = task.definition.reference_for(lang) ? task.definition.reference_for(lang)
                                                                          : task.definition.reference_for("cpp")) {
      if (ref->language != lang) reference_backend = "cpu";
      ref_sol.name = task.definition.name + "-reference";
      ref_sol.definition = task.definition.name;
      ref_sol.language = ref->language;
      ref_sol.entry_point = ref->entry_point;
      ref_sol.sources = ref->sources;
    } else if (!task.definition.reference.empty()) {
      ref_sol = python_reference_solution(task.definition);
    } else {
      fail(ErrorKind::kInput, task.root.string() + ": the definition has neither a native reference (kda.reference or "
                              "reference/cpp/) nor a PyTorch `reference`; kda needs one to compute expected outputs");
    }
    reference_hash = check_pin("reference:" + ref_sol.language, ref_sol.content_hash());
    reference_build = timed_build(ref_sol, {.backend = reference_backend, .arch = opt.arch, .require_sandbox = opt.require_sandbox});
    if (!reference_build.ok)
      fail(ErrorKind::kInput, "the reference of " + task.definition.name + " does not build:\n" + reference_build.log);

    // Baseline: the task's own for this backend; without one (a flashinfer-bench dataset), the
    // reference itself, so that speedups are against the reference as flashinfer-bench reports them.
    auto b = task.baselines.find(lang);
    if (b != task.baselines.end()) {
      baseline = b->second;
      baseline_hash = check_pin("baseline:" + lang, baseline.content_hash());
      baseline_build = timed_build(baseline, {.backend = opt.backend, .arch = opt.arch, .require_sandbox = opt.require_sandbox});
      if (!baseline_build.ok) fail(ErrorKind::kInput, "the baseline does not build:\n" + baseline_build.log);
    } else if (reference_backend == opt.backend) {
      baseline = ref_sol;
      baseline_hash = reference_hash;
      baseline_build = reference_build;
      say("no baseline for " + opt.backend + ": speedups are against the reference");
    } else {
      fail(ErrorKind::kInput, task.root.string() + ": no baseline for " + opt.backend + " (expected baseline/" + lang +
                              "/solution.json), and the reference runs on " + reference_backend);
    }
  }

  static BuildResult timed_build(const Solution& s, const BuildOptions& o) {
    PhaseScope timer("builds (cache look-up or compile)");
    return build_solution(s, o);
  }

  RunnerClient& reference_runner() {
    if (!reference) {
      try {
        reference = std::make_unique<RunnerClient>(config(reference_build, reference_backend, "reference"));
      } catch (const RunnerFailure& f) {
        fail(ErrorKind::kInput, "the reference runner of " + task.definition.name + " could not start: " + f.reason + "\n" + f.log);
      }
    }
    return *reference;
  }

  RunnerClient& baseline_runner() {
    if (!base) {
      try {
        base = next_base ? std::move(next_base)
                         : std::make_unique<RunnerClient>(config(baseline_build, opt.backend, "baseline"));
        if (!peaks_known) base->ready_info();  // a prestarted runner that failed to load fails here
      } catch (const RunnerFailure& f) {
        base.reset();
        fail(ErrorKind::kInput, "the baseline runner could not start: " + f.reason + "\n" + f.log);
      }
      base_has_run = false;
      if (!peaks_known) {  // once per judge: on a GPU the runner is replaced per workload
        device = base->ready_info().value("device", Json::object());
        PhaseScope timer("device peaks");
        try {
          peaks = load_or_measure_peaks(device, [&] { return base->calibrate(std::chrono::minutes(5)); });
        } catch (const RunnerFailure& f) {
          base.reset();
          fail(ErrorKind::kEnvironment, "measuring the device's peaks failed: " + f.reason + "\n" + f.log);
        }
        peaks_known = true;
      }
    }
    return *base;
  }

  // The draws and the per-call checks (judge_draws.cc).
  // The reference's outputs for each of `sets`: the expected outputs of the draws.
  std::vector<std::vector<HostTensor>> expected_for(const Workload& w, const std::vector<std::vector<HostTensor>>& sets);
  // Rules 1-4 for one call's result. `want` is hashes_of(inputs): computed once per set, as the
  // candidate and the baseline both report on the same set.
  CallCheck check_call(const CallResult& c, bool late_write, const std::vector<HostTensor>& inputs,
                       const std::vector<std::string>& want, const std::vector<HostTensor>& expected,
                       const std::vector<HostTensor>& actual);
  // Draws [draw, draw + count) of workload w: fresh sets at even positions, the previous set
  // perturbed at odd ones. A function of (session seed, workload, first draw, count) only.
  std::vector<std::vector<HostTensor>> make_sets(const Workload& w, uint64_t& draw, int count);
  // One request's worth of draws with their expected outputs and input hashes. Within one
  // session all of these are functions of (seed, workload, first draw, count): the inputs by
  // construction (make_sets), the expected outputs as the reference's outputs for those inputs,
  // the hashes of the inputs. So a second evaluation of the workload in the session (kda tune's
  // next variant, a hidden-check round, another solution of kda eval) gets the same bytes from
  // the cache instead of generating them and running the reference again; what a candidate
  // sees is unchanged (it already got the same draws), and every output is still compared.
  struct DrawBatch {
    std::vector<std::vector<HostTensor>> sets, expected;
    std::vector<std::vector<std::string>> hashes;
  };
  std::map<std::tuple<std::string, uint64_t, int>, std::shared_ptr<const DrawBatch>> draw_cache;
  size_t draw_cache_used = 0;
  std::shared_ptr<const DrawBatch> draw_batch(const Workload& w, uint64_t& draw, int count);

  // Rule 5's wall-clock cross-check (timing_rules.h): `repeat` back-to-back calls timed by the
  // judge from outside, minus the cheapest of three empty requests, against what the runner reported.
  WallCheck wall_clock_check(RunnerClient& cand, int repeat, std::chrono::milliseconds timeout) {
    PhaseScope timer("wall-clock cross-check");
    WallCheck c;
    c.repeat = repeat;
    double wall_r = 0;
    for (double ms : cand.batch(repeat, timeout, &wall_r)) c.reported_total += ms;
    for (int i = 0; i < 3; ++i) {
      double wall_0 = 0;
      cand.batch(0, timeout, &wall_0);
      c.empty = i == 0 ? wall_0 : std::min(c.empty, wall_0);
    }
    c.judge_total = std::max(0.0, wall_r - c.empty);
    return c;
  }

  // Measures the device's peaks again on the baseline's runner and keeps, per figure, the higher
  // of the cached and the fresh one (peaks.h).
  void remeasure_peaks_now() {
    RunnerClient& r = baseline_runner();
    // A runner started for this has served no workload, but now it has run: on a GPU the next
    // workload gets a fresh one.
    if (!base_has_run) {
      base_has_run = true;
      base_workload.clear();
    }
    PhaseScope timer("device peaks");
    try {
      peaks = remeasure_peaks(device, [&] { return r.calibrate(std::chrono::minutes(5)); });
    } catch (const RunnerFailure& f) {
      base.reset();
      fail(ErrorKind::kEnvironment, "measuring the device's peaks again failed: " + f.reason + "\n" + f.log);
    }
  }

  // Spawns, without waiting for READY, the runners the next evaluation will start with: the
  // candidate's (`next_build` is its solution's build; null when no evaluation follows or the
  // next one keeps the runner it has) and, on a GPU, the baseline's (fresh per workload there) unless the next
  // evaluation keeps this one (`fresh_baseline` false: a group's next solution on this workload).
  // They load their libraries and create their device contexts while the judge finishes this
  // workload and prepares the next one's inputs and expected outputs; no timed call of anyone
  // runs meanwhile, and each is still a new process that has served nothing. A spawn that fails
  // leaves the slot empty, and the runner is then started when it is needed, as before.
  void prestart(const BuildResult* next_build, bool fresh_baseline) {
    PhaseScope timer("runner prestart (spawn)");
    auto spawn = [&](std::unique_ptr<RunnerClient>& slot, RunnerConfig c) {
      if (slot) return;
      c.defer_ready = true;
      try {
        slot = std::make_unique<RunnerClient>(c);
      } catch (const RunnerFailure&) {
        slot.reset();
      }
    };
    if (next_build && next_build->ok) spawn(next_cand, config(*next_build, opt.backend, "candidate"));
    if (opt.backend != "cpu" && fresh_baseline) spawn(next_base, config(baseline_build, opt.backend, "baseline"));
  }

  void retire(std::unique_ptr<RunnerClient>& r) {
    if (!r) return;
    r->begin_stop();
    retiring.push_back(std::move(r));
  }
  void finish_retiring() {
    for (auto& r : retiring) r->stop();
    retiring.clear();
  }

  // What follows the evaluation of a workload, for prestart(): the next candidate's build (null
  // if none), whether the next evaluation is of the same workload within a group, and whether
  // it is expected to keep a runner it already has (then none is spawned for it).
  struct Next {
    const BuildResult* build = nullptr;
    bool same_workload = false;
    bool runner_kept = false;
    bool baseline_needed = true;  // false: a grouped evaluation with the baseline's measurement complete
  };

  // Whether a kept runner may serve a workload whose correctness set has `digest`.
  bool may_serve_again(const CandidateRunner& c, const std::string& digest) const {
    return opt.keep_candidate_runners && c.runner && !c.served.count(digest);
  }
  // Whether the runner of the solution in `slot` is expected to serve the next workload (for
  // Next::runner_kept): the current one (`current_slot`) will if it passes.
  bool expect_kept(size_t slot, size_t current_slot) const {
    return opt.keep_candidate_runners &&
           (slot == current_slot || (slot < pool.size() && pool[slot].runner));
  }
  // Charges `bytes` to pool[slot] and retires other kept runners, least recently used first,
  // until all fit in what kept runners may hold together (a quarter of the device's memory on
  // a GPU, of the host's available memory on the CPU).
  void make_room(size_t slot, size_t bytes);
  // A pass of `solutions` slots, each without a runner yet.
  void start_pass(size_t solutions);
  // Stops every runner of the pass (and one spawned ahead that no evaluation used).
  void end_pass();

  Trace evaluate_workload(const Solution& s, const BuildResult& build, size_t slot, const Workload& w, Next next);
  // evaluate_workload, with a candidate runner's failure turned into the trace's verdict (and
  // what the candidate left behind swept up), or the build's failure when it did not build.
  Trace evaluate_or_verdict(const Solution& s, const BuildResult& build, size_t slot, const Workload& w, Next next);
  // Completes the trace and stores it, with its verdict in the audit log.
  void record(Trace& t, const Solution& s, const std::string& solution_hash, const BuildResult& build);
  void finish_trace(Trace& t, const Solution& s, const std::string& solution_hash, const BuildResult& build);
};

}  // namespace kda
