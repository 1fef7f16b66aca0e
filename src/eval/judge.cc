#include "eval/judge.h"

#include <malloc.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <optional>
#include <sstream>

#include "audit/audit_log.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "eval/compare.h"
#include "eval/fast_hash.h"
#include "eval/peaks.h"
#include "eval/pins.h"
#include "eval/runner_client.h"
#include "sandbox/child.h"
#include "sandbox/sandbox.h"
#include "store/store.h"
#include "task/inputs.h"
#include "task/workload_size.h"

namespace kda {
namespace fs = std::filesystem;

fs::path locate_runner(const fs::path& explicit_path) {
  if (!explicit_path.empty()) return explicit_path;
  if (const char* e = std::getenv("KDA_RUNNER"); e && *e) return e;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  fs::path cand = self.parent_path() / "kda-runner";
  if (!ec && fs::exists(cand)) return cand;
  fail(ErrorKind::kEnvironment, "kda-runner was not found beside kda; set KDA_RUNNER to its path");
}

namespace {

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string fresh_seed() {
  unsigned char b[32];
  if (::getrandom(b, sizeof b, 0) != sizeof b) fail(ErrorKind::kEnvironment, "getrandom failed");
  return sha256_hex(b, sizeof b);
}

uint64_t seed_to_u64(const std::string& seed_hex) { return std::stoull(seed_hex.substr(0, 16), nullptr, 16); }

std::string fmt_ms(double ms) {
  std::ostringstream s;
  s.precision(4);
  s << ms << " ms";
  return s.str();
}

std::vector<std::string> hashes_of(const std::vector<HostTensor>& set) {
  std::vector<std::string> out;
  for (const HostTensor& t : set) out.push_back(hex64(fast_hash64(t.data.data(), t.data.size())));
  return out;
}

struct CallCheck {
  Status status = Status::kPassed;
  std::string code, reason;
  Correctness correctness;
};

}  // namespace

struct Judge::Impl {
  TaskDir task;
  EvalOptions opt;
  fs::path runner_exe;
  Store store;
  AuditLog audit;
  std::string seed, commitment;
  uint64_t seed64 = 0;
  std::string definition_hash, workloads_hash;
  Solution baseline;
  std::string baseline_hash, reference_hash;
  BuildResult baseline_build, reference_build;
  std::string reference_backend;
  std::unique_ptr<RunnerClient> reference, base;
  bool base_has_run = false;  // the current baseline runner has made its untimed first call
  Peaks peaks;
  Json device;
  bool peaks_known = false;

  Impl(const TaskDir& t, EvalOptions o)
      : task(t), opt(std::move(o)), runner_exe(locate_runner(opt.runner_exe)), store(task.store_dir()),
        audit(task.store_dir() / "audit.jsonl", &store) {}

  // Processes the judge must not kill when it sweeps up what a failed candidate left behind.
  std::vector<pid_t> trusted_pids() const {
    std::vector<pid_t> keep;
    if (reference) keep.push_back(reference->pid());
    if (base) keep.push_back(base->pid());
    return keep;
  }

  void say(const std::string& s) {
    if (opt.progress) opt.progress(s);
  }

  RunnerConfig config(const fs::path& lib, const std::string& backend) {
    RunnerConfig c;
    c.runner_exe = runner_exe;
    c.backend = backend;
    c.library = lib;
    c.sandbox = opt.sandbox;
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
    check_sandbox();
    definition_hash = sha256_file(task.root / "definition.json");
    workloads_hash = fs::exists(task.root / "workloads.jsonl") ? sha256_file(task.root / "workloads.jsonl") : "";
    check_task_input_pins(task, store, audit, [this](const std::string& m) { say(m); });  // tolerances, workloads
    seed = fresh_seed();
    seed64 = seed_to_u64(seed);
    commitment = sha256_hex(seed);
    audit.append("session_start", {{"seed_commitment", commitment}, {"backend", opt.backend},
                                   {"definition_hash", definition_hash}, {"workloads_hash", workloads_hash},
                                   {"workloads", opt.workloads}});

    // Reference: the backend's own language if the task has it, else the C++ one on the CPU.
    std::string lang = language_for_backend(opt.backend);
    const NativeReference* ref = task.definition.reference_for(lang);
    reference_backend = opt.backend;
    if (!ref) {
      ref = task.definition.reference_for("cpp");
      reference_backend = "cpu";
    }
    if (!ref)
      fail(ErrorKind::kInput, task.root.string() + ": the definition has no native reference (kda.reference or reference/cpp/); "
                              "kda needs one to compute expected outputs");
    Solution ref_sol;
    ref_sol.name = task.definition.name + "-reference";
    ref_sol.definition = task.definition.name;
    ref_sol.language = ref->language;
    ref_sol.entry_point = ref->entry_point;
    ref_sol.sources = ref->sources;
    reference_hash = check_pin("reference:" + ref->language, ref_sol.content_hash());
    reference_build = build_solution(ref_sol, {.backend = reference_backend, .arch = opt.arch, .require_sandbox = opt.require_sandbox});
    if (!reference_build.ok) fail(ErrorKind::kInput, "the reference does not build:\n" + reference_build.log);

    auto b = task.baselines.find(lang);
    if (b == task.baselines.end())
      fail(ErrorKind::kInput, task.root.string() + ": no baseline for " + opt.backend + " (expected baseline/" + lang + "/solution.json)");
    baseline = b->second;
    baseline_hash = check_pin("baseline:" + lang, baseline.content_hash());
    baseline_build = build_solution(baseline, {.backend = opt.backend, .arch = opt.arch, .require_sandbox = opt.require_sandbox});
    if (!baseline_build.ok) fail(ErrorKind::kInput, "the baseline does not build:\n" + baseline_build.log);
  }

  RunnerClient& reference_runner() {
    if (!reference) {
      try {
        reference = std::make_unique<RunnerClient>(config(reference_build.library, reference_backend));
      } catch (const RunnerFailure& f) {
        fail(ErrorKind::kInput, "the reference runner could not start: " + f.reason + "\n" + f.log);
      }
    }
    return *reference;
  }

  RunnerClient& baseline_runner() {
    if (!base) {
      try {
        base = std::make_unique<RunnerClient>(config(baseline_build.library, opt.backend));
      } catch (const RunnerFailure& f) {
        fail(ErrorKind::kInput, "the baseline runner could not start: " + f.reason + "\n" + f.log);
      }
      base_has_run = false;
      if (!peaks_known) {  // once per judge: on a GPU the runner is replaced per workload
        device = base->ready_info().value("device", Json::object());
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

  std::vector<HostTensor> expected_for(const Workload& w, const std::vector<std::vector<HostTensor>>& sets,
                                       std::vector<std::vector<HostTensor>>* all) {
    auto outs = make_output_tensors(task.definition, w);
    try {
      RunResult r = reference_runner().run(sets, outs, false, 0, opt.call_timeout * static_cast<int>(sets.size()));
      for (size_t k = 0; k < r.calls.size(); ++k)
        if (r.calls[k].rc != 0 || !r.calls[k].error.empty())
          fail(ErrorKind::kInput, "the reference failed on workload " + w.uuid + " (rc " + std::to_string(r.calls[k].rc) + " " + r.calls[k].error + ")");
      *all = std::move(r.outputs);
      return outs;
    } catch (const RunnerFailure& f) {
      reference.reset();
      fail(ErrorKind::kInput, "the reference failed on workload " + w.uuid + ": " + f.reason);
    }
  }

  // Rules 1-4 for one call's result.
  // `want` is hashes_of(inputs): computed once per set, as the candidate and the baseline both
  // report on the same set.
  CallCheck check_call(const CallResult& c, bool late_write, const std::vector<HostTensor>& inputs,
                       const std::vector<std::string>& want, const std::vector<HostTensor>& expected,
                       const std::vector<HostTensor>& actual) {
    CallCheck r;
    if (c.rc != 0) return {Status::kRuntimeError, "nonzero_return", "kda_entry returned " + std::to_string(c.rc), {}};
    if (!c.error.empty()) return {Status::kRuntimeError, "device_error", "device error after the call: " + c.error, {}};
    if (late_write)
      return {Status::kRejected, "late_write_after_return",
              "the outputs changed after kda_entry returned: a background thread or unsynchronised work writes them", {}};
    for (size_t i = 0; i < want.size(); ++i)
      if (i < c.input_hashes.size() && c.input_hashes[i] != want[i])
        return {Status::kRejected, "input_mutated", "input '" + inputs[i].name + "' was modified by the candidate", {}};
    Verdict v = compare_outputs(task.definition, inputs, expected, actual);
    r.correctness = v.correctness;
    if (!v.passed()) return {v.status, v.reason_code, v.reason, v.correctness};
    return r;
  }

  std::vector<std::vector<HostTensor>> make_sets(const Workload& w, uint64_t& draw, int count,
                                                 const std::vector<HostTensor>* prev) {
    std::vector<std::vector<HostTensor>> sets;
    for (int k = 0; k < count; ++k) {
      const uint64_t d = draw++;
      const std::vector<HostTensor>* last = sets.empty() ? prev : &sets.back();
      if (k % 2 == 1 && last) {
        // The previous set with a few elements of draw d: only those elements are generated.
        std::vector<HostTensor> set = *last;
        perturb_inputs(task.definition, w, seed64, d, seed64 ^ draw, set);
        sets.push_back(std::move(set));
      } else {
        sets.push_back(generate_inputs(task.definition, w, seed64, d, task.root));
      }
    }
    return sets;
  }

  // A candidate's call may take what the baseline's first call took (transfers and one-time
  // set-up included) 20 times over plus 2 s, and never more than --timeout: a candidate that
  // hangs costs seconds per workload, not the whole --timeout (docs/evaluator.md, "Limits").
  std::chrono::milliseconds call_timeout_for(double baseline_first_call_ms) const {
    const double ms = kMinCallTimeoutMs + 20.0 * std::max(0.0, baseline_first_call_ms);
    const double cap = static_cast<double>(opt.call_timeout.count());
    return std::chrono::milliseconds(static_cast<int64_t>(std::min(std::max(ms, std::min(kMinCallTimeoutMs, cap)), cap)));
  }
  static constexpr double kMinCallTimeoutMs = 2000;

  // Rule 5's wall-clock cross-check: `repeat` back-to-back calls timed by the judge from outside,
  // minus the cheapest of three empty requests, against the sum the runner reported.
  struct WallCheck {
    double judge_total = 0, reported_total = 0, empty = 0;
    int repeat = 0;
    std::string retried = "not measured again";
    bool contradicts(bool gpu) const {
      const double per_call_slack = gpu ? 0.02 : 0.01, fixed_slack = gpu ? 20.0 : 10.0;
      return judge_total > 1.5 * reported_total + repeat * per_call_slack + fixed_slack;
    }
    std::string describe() const {
      return "judge " + fmt_ms(judge_total) + " for " + std::to_string(repeat) + " calls after an empty request of " +
             fmt_ms(empty) + ", runner " + fmt_ms(reported_total);
    }
  };
  WallCheck wall_clock_check(RunnerClient& cand, int repeat, std::chrono::milliseconds timeout) {
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
    try {
      peaks = remeasure_peaks(device, [&] { return r.calibrate(std::chrono::minutes(5)); });
    } catch (const RunnerFailure& f) {
      base.reset();
      fail(ErrorKind::kEnvironment, "measuring the device's peaks again failed: " + f.reason + "\n" + f.log);
    }
  }

  Trace evaluate_workload(const Solution& s, const BuildResult& build, std::unique_ptr<RunnerClient>& cand, const Workload& w);
  void finish_trace(Trace& t, const Solution& s, const std::string& solution_hash, const BuildResult& build);
};

Trace Judge::Impl::evaluate_workload(const Solution&, const BuildResult& build, std::unique_ptr<RunnerClient>& cand,
                                     const Workload& w) {
  Trace t;
  t.workload = w;
  // A shape that cannot fit is the workload's input error, refused before anything is allocated.
  check_workload_fits(task.definition, w, 2, host_available_bytes(), "host memory");
  auto reject = [&](Status st, std::string code, std::string reason) {
    t.status = st;
    t.reason_code = std::move(code);
    t.reason = std::move(reason);
    return t;
  };
  // A fresh candidate process per workload: nothing it cached or broke carries over. On a GPU
  // the baseline's process is fresh too: one that had served earlier workloads slowed the
  // candidate's memory-bound calls on the next (H100, rmsnorm 4096 x 4096 after the smaller
  // public shapes: 0.0496 against 0.0467 ms, relative stdev 2.7 % against 1.4 %; a fresh
  // reference runner made no difference). On the CPU backend no such effect exists to remove,
  // and a runner's start costs more than a small workload's whole evaluation (its flush buffer
  // and shared memory are fresh pages), so the baseline runner lives for the session.
  if (base && base_has_run && opt.backend != "cpu") {
    base->stop();
    base.reset();
  }
  RunnerClient& basr = baseline_runner();
  if (device.contains("memory_bytes") && device["memory_bytes"].is_number_unsigned())
    check_workload_fits(task.definition, w, 1, device["memory_bytes"].get<uint64_t>(), "device memory");
  // Runs one of the pinned baseline's requests; its runner failing is not the candidate's doing.
  auto run_pinned_baseline = [&](const std::vector<std::vector<HostTensor>>& batch, const std::vector<HostTensor>& outs,
                                 RunResult* recycled) {
    try {
      return basr.run(batch, outs, true, 0, opt.call_timeout * static_cast<int>(batch.size()), recycled);
    } catch (const RunnerFailure& f) {
      base.reset();
      fail(ErrorKind::kInput, "the pinned baseline's runner failed on workload " + w.uuid + ": " + f.reason + "\n" + f.log);
    }
  };
  if (cand) {
    cand->stop();
    cand.reset();
  }

  // The baseline's untimed call on the correctness set comes first: a runner's first call is not
  // behind the CUDA launch gate and may carry one-time set-up, and its wall time (transfers
  // included) sets how long the candidate's calls may take (call_timeout_for).
  uint64_t draw = 0;
  std::vector<std::vector<HostTensor>> expected;
  auto sets = make_sets(w, draw, 1, nullptr);
  auto outs = expected_for(w, sets, &expected);
  const RunResult base_first = run_pinned_baseline(sets, outs, nullptr);
  base_has_run = true;
  const std::chrono::milliseconds call_timeout = call_timeout_for(base_first.judge_wall_ms);

  cand = std::make_unique<RunnerClient>(config(build.library, opt.backend));  // may throw RunnerFailure

  // Correctness: one call on draw 0, outputs poisoned, late writes and input mutation checked.
  RunResult first = cand->run(sets, outs, true, 20, call_timeout);
  CallCheck cc = check_call(first.calls[0], first.late_write, sets[0], hashes_of(sets[0]), expected[0], first.outputs[0]);
  t.correctness = cc.correctness;
  if (cc.status != Status::kPassed) return reject(cc.status, cc.code, cc.reason);

  // Wall-clock cross-check: the judge times a batch of back-to-back calls from outside the
  // runner (minus an empty batch), long enough (~100 ms) that one-off costs such as page faults
  // or unmapping are amortised, and compares totals with what the runner reported.
  const bool gpu = opt.backend != "cpu";
  const int repeat = static_cast<int>(std::clamp(100.0 / std::max(first.calls[0].ms, 0.001), 3.0, 1000.0));
  // The batch is sized to ~100 ms of calls as fast as the first: it may take the call timeout
  // three times over, never the call timeout per call (up to 1,000 calls).
  WallCheck wall = wall_clock_check(*cand, repeat, call_timeout * 3);
  // One contradiction may be the machine's: on a loaded host the judge's wall clock also counts
  // the runner's waits for a core. Before rejecting, the empty request's cost and the batch are
  // measured again; only a contradiction that every attempt shows is the candidate's.
  for (int attempt = 1; attempt < 3 && wall.contradicts(gpu); ++attempt) {
    WallCheck again = wall_clock_check(*cand, repeat, call_timeout * 3);
    if (!again.contradicts(gpu)) {
      say("wall-clock check: a contradiction (" + wall.describe() + ") did not hold on re-measurement (" +
          again.describe() + ")");
      wall = again;
      break;
    }
    wall.retried = again.describe();
  }
  const double judge_per_call = wall.judge_total / repeat;
  if (wall.contradicts(gpu))
    return reject(Status::kRejected, "wall_clock_contradiction",
                  "the runner reported " + fmt_ms(wall.reported_total / repeat) + " per call over " + std::to_string(repeat) +
                      " calls but the judge's wall clock saw " + fmt_ms(judge_per_call) + " (" + wall.describe() +
                      "; measured again: " + wall.retried + "): the timer was tampered with");

  // Timed phase: batches of fresh/perturbed sets, candidate and baseline interleaved. Each side
  // samples until its own stop rule holds, on its own half of the budget: a baseline thousands of
  // times slower than the candidate (one thread per row) must not cap the candidate at the
  // baseline's minimum sample count, which at 10-100 us per call left medians 5-10 % apart
  // between two evaluations of the same code. While both sample, neither takes more time than
  // the other (beyond its first `min_samples`), so a slow spell of the machine hits both. The
  // judge's own input preparation is charged to neither: at 16 M elements it can outlast the
  // calls, and the budget's hard cap for very slow calls (stats.h) would stop at one batch.
  // Neither is a side's first batch: it grows the memory shared with the runner from one set to
  // a batch (at 64 MB a set, populating those pages took half a second, and left a 1 s share
  // three batches).
  std::vector<double> cms, cratio, bms, bratio;
  const int kBatch = 4;
  int call_index = 0, both_index = 0;
  double cand_seconds = 0, base_seconds = 0;
  std::vector<HostTensor> prev = sets[0];
  RunResult cand_spare, base_spare;  // output buffers reused batch after batch
  auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  StopRule share = opt.stop;  // each side's: half the budget
  share.budget_seconds /= 2;
  while (true) {
    const bool cand_done = should_stop(share, summarize(cms), cand_seconds);
    const bool base_done = should_stop(share, summarize(bms), base_seconds) &&
                           static_cast<int>(bms.size()) >= std::min(opt.stop.min_samples, opt.stop.max_samples);
    if (cand_done && base_done) break;
    const bool run_cand = !cand_done;
    const bool run_base = !base_done && (cand_done || static_cast<int>(bms.size()) < opt.stop.min_samples ||
                                         base_seconds <= cand_seconds);
    auto batch = make_sets(w, draw, kBatch, &prev);
    prev = batch.back();
    std::vector<std::vector<HostTensor>> want;
    expected_for(w, batch, &want);
    std::vector<std::vector<std::string>> hashes;
    for (const auto& set : batch) hashes.push_back(hashes_of(set));
    // The order alternates batch by batch (ABBA...): whoever runs first after the host-side
    // pause of input preparation may meet a cooler GPU or colder host caches, and that must not
    // favour either side.
    auto run_candidate = [&]() -> std::optional<Trace> {
      auto t_run = std::chrono::steady_clock::now();
      RunResult cr = cand->run(batch, outs, true, 0, call_timeout * kBatch, &cand_spare);
      if (!cms.empty()) cand_seconds += seconds_since(t_run);  // the first batch is set-up (above)
      for (size_t k = 0; k < batch.size(); ++k, ++call_index) {
        CallCheck c = check_call(cr.calls[k], false, batch[k], hashes[k], want[k], cr.outputs[k]);
        if (c.status != Status::kPassed) {
          std::string code = c.code == "input_mutated" || c.code == "nonzero_return" || c.code == "device_error"
                                 ? c.code : "timed_output_mismatch";
          Status st = code == "timed_output_mismatch" ? Status::kIncorrectNumerical : c.status;
          return reject(st, code, "timed call " + std::to_string(call_index + 1) + " (fresh inputs): " + c.reason);
        }
        cms.push_back(cr.calls[k].ms);
        cratio.push_back(cr.calls[k].clock_ratio);
      }
      cand_spare = std::move(cr);
      return std::nullopt;
    };
    auto run_baseline = [&] {
      auto t_run = std::chrono::steady_clock::now();
      RunResult br = run_pinned_baseline(batch, outs, &base_spare);
      if (!bms.empty()) base_seconds += seconds_since(t_run);
      for (size_t k = 0; k < batch.size(); ++k) {
        CallCheck c = check_call(br.calls[k], false, batch[k], hashes[k], want[k], br.outputs[k]);
        if (c.status != Status::kPassed)
          fail(ErrorKind::kInput, "the pinned baseline fails on workload " + w.uuid + ": " + c.reason);
        bms.push_back(br.calls[k].ms);
        bratio.push_back(br.calls[k].clock_ratio);
      }
      base_spare = std::move(br);
    };
    // Counted over the batches both sides run, or one side's lone batches would fix the order.
    const bool candidate_first = !(run_cand && run_base) || (both_index++ % 2) == 0;
    if (run_base && !candidate_first) run_baseline();
    if (run_cand)
      if (auto rejected = run_candidate()) return *rejected;
    if (run_base && candidate_first) run_baseline();
  }
  int dropped = drop_throttled(cms, cratio) + drop_throttled(bms, bratio);
  SampleStats cs = summarize(cms), bs = summarize(bms);

  Performance p;
  p.latency_ms = cs.median;
  p.iqr_ms = cs.iqr();
  p.samples = cs.n;
  p.rel_stdev = cs.rel_stdev();
  p.reference_latency_ms = bs.median;
  p.speedup_factor = cs.median > 0 ? bs.median / cs.median : 0;
  p.discarded_throttled = dropped;
  p.judge_wall_per_call_ms = judge_per_call;
  auto axes = resolve_axes(task.definition, w.axes, w.uuid);
  p.roofline_floor_ms = roofline_floor_ms(task.definition, axes, peaks);
  p.fraction_of_roofline = p.roofline_floor_ms > 0 && cs.median > 0 ? p.roofline_floor_ms / cs.median : 0;
  t.performance = p;
  // Rule 5: a time under the floor that physics allows is a measurement the candidate forged.
  const double min_meaningful_floor = gpu ? 0.005 : 0.05;
  // CPU peaks are measured with memcpy on a machine that may be busy, so they get more slack.
  const double floor_slack = gpu ? 0.7 : 0.5;
  auto below_floor = [&] { return p.roofline_floor_ms >= min_meaningful_floor && cs.median < floor_slack * p.roofline_floor_ms; };
  if (below_floor()) {
    // The peaks may have been measured while the machine was busy (load only ever lowers them,
    // and a lower peak raises the floor): measure them again now, keep the higher figures, and
    // reject only if the median is still impossible against the fresh floor.
    const double cached_floor = p.roofline_floor_ms;
    remeasure_peaks_now();
    p.roofline_floor_ms = roofline_floor_ms(task.definition, axes, peaks);
    p.fraction_of_roofline = p.roofline_floor_ms > 0 && cs.median > 0 ? p.roofline_floor_ms / cs.median : 0;
    t.performance = p;
    if (below_floor()) {
      t.performance.reset();
      return reject(Status::kRejected, "below_roofline_floor",
                    "median " + fmt_ms(cs.median) + " is below the roofline floor " + fmt_ms(p.roofline_floor_ms) +
                        " for this device (peaks measured again just now; the cached peaks gave " + fmt_ms(cached_floor) +
                        "): impossible without skipping work or forging the timer");
    }
    say("roofline check: the median was under the floor of the cached peaks (" + fmt_ms(cached_floor) +
        ") but not under the floor of peaks measured again (" + fmt_ms(p.roofline_floor_ms) + ")");
  }
  t.status = Status::kPassed;
  return t;
}

std::string timing_method(const StopRule& stop) {
  // 2: CUDA launch gate; candidate and baseline sample on their own halves of the budget.
  // 3: a side's first batch is not charged to its budget (more samples at large sets).
  // 4: a fresh baseline runner per workload on GPUs (times no longer depend on the workloads'
  //    order), after one untimed call.
  return "timing 4; samples " + std::to_string(stop.min_samples) + ".." + std::to_string(stop.max_samples) +
         "; rel stdev " + std::to_string(stop.target_rel_stdev) + "; budget " + std::to_string(stop.budget_seconds) + " s";
}

void Judge::Impl::finish_trace(Trace& t, const Solution& s, const std::string& solution_hash, const BuildResult& build) {
  t.definition = task.definition.name;
  t.solution = s.name;
  t.timestamp = utc_now();
  t.environment.backend = opt.backend;
  if (device.is_object()) {
    t.environment.hardware = device.value("name", "");
    t.environment.driver = device.value("driver", "");
    const Json timer = device.value("timer", Json());
    t.environment.timer = timer.is_object() ? timer.value("kind", "") : opt.backend == "cpu" ? "steady_clock" : "";
  }
  t.environment.toolchain = build.toolchain;
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  t.environment.host = host;
  t.provenance.definition_hash = definition_hash;
  t.provenance.solution_hash = solution_hash;
  t.provenance.baseline_hash = baseline_hash;
  t.provenance.reference_hash = reference_hash;
  t.provenance.workload_hash = sha256_hex(to_json(t.workload).dump());
  t.provenance.evaluator_build = "kda 0.1.0 (" __DATE__ ")";
  t.provenance.seed_commitment = commitment;
  if (t.status != Status::kPassed) t.performance.reset();
  if (t.status != Status::kPassed && t.status != Status::kIncorrectNumerical) t.correctness.reset();
}

// Every timed call allocates input sets and output copies of the workload's size (megabytes).
// glibc would serve these from fresh mmap()s, or trim the heap under them, and pay a page fault
// plus a page clear per 4 KiB on every set: a third of the judge's time on vector_add at 1 M
// elements. Keeping blocks under 256 MiB in the heap, and the heap untrimmed, reuses the pages.
static void keep_large_blocks_in_the_heap() {
#ifdef __GLIBC__
  static const bool once = [] {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    return true;
  }();
  (void)once;
#endif
}

Judge::Judge(const TaskDir& task, EvalOptions opt) : impl_(std::make_unique<Impl>(task, std::move(opt))) {
  keep_large_blocks_in_the_heap();
  // A runner that dies must become an error we classify, not a SIGPIPE that kills the judge.
  std::signal(SIGPIPE, SIG_IGN);
  become_subreaper();
  impl_->prepare();
}

Judge::~Judge() = default;

const std::string& Judge::seed_commitment() const { return impl_->commitment; }

void Judge::finish() {
  impl_->reference.reset();
  impl_->base.reset();
  kill_orphaned_descendants();
  impl_->audit.append("session_end", {{"seed_commitment", impl_->commitment}, {"seed", impl_->seed}});
}

const Json& Judge::device() {
  impl_->baseline_runner();
  return impl_->device;
}

SolutionResult Judge::evaluate(const Solution& s) { return evaluate(s, impl_->task.select(impl_->opt.workloads)); }

SolutionResult Judge::evaluate(const Solution& s, const std::vector<const Workload*>& workloads,
                               const std::function<void(const Trace&)>& on_trace) {
  Impl& m = *impl_;
  SolutionResult res;
  res.solution = s.name;
  res.solution_hash = s.content_hash();
  m.say("building " + s.name);
  res.build = build_solution(s, {.backend = m.opt.backend, .arch = m.opt.arch, .require_sandbox = m.opt.require_sandbox});
  std::unique_ptr<RunnerClient> cand;
  std::vector<double> speedups;
  res.all_passed = true;
  for (const Workload* w : workloads) {
    Trace t;
    if (!res.build.ok) {
      t.workload = *w;
      t.status = Status::kCompileError;
      t.reason_code = "compile_error";
      t.reason = "the solution does not build";
      t.log = res.build.log;
    } else {
      m.say("evaluating " + s.name + " on " + w->uuid);
      try {
        t = m.evaluate_workload(s, res.build, cand, *w);
      } catch (const RunnerFailure& f) {
        t.workload = *w;
        t.status = f.status;
        t.reason_code = f.reason_code;
        t.reason = f.reason;
        t.log = f.log;
        cand.reset();
        kill_orphaned_descendants(m.trusted_pids());
      }
    }
    m.finish_trace(t, s, res.solution_hash, res.build);
    if (t.status == Status::kPassed && t.performance) speedups.push_back(t.performance->speedup_factor);
    else res.all_passed = false;
    Json j = to_json(t);
    m.store.add_trace(res.solution_hash, j);
    m.audit.append("verdict", {{"solution", s.name}, {"solution_hash", res.solution_hash}, {"workload", w->uuid},
                               {"status", to_string(t.status)}, {"reason_code", t.reason_code},
                               {"latency_ms", t.performance ? t.performance->latency_ms : 0.0},
                               {"baseline_hash", m.baseline_hash}, {"definition_hash", m.definition_hash},
                               {"trace_hash", sha256_hex(j.dump())}, {"seed_commitment", m.commitment}});
    if (on_trace) on_trace(t);
    res.traces.push_back(std::move(t));
  }
  if (cand) cand->stop();
  cand.reset();
  kill_orphaned_descendants(m.trusted_pids());
  res.geomean_speedup = geometric_mean(speedups);
  return res;
}

}  // namespace kda
