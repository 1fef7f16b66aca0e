// One workload's procedure (judge.h): the baseline's first call and the call timeout, the
// correctness call, the wall-clock cross-check, the interleaved timed phase, the roofline floor.
#include <algorithm>
#include <chrono>
#include <optional>

#include "core/error.h"
#include "eval/judge_impl.h"
#include "eval/sampling_trials.h"
#include "task/inputs.h"
#include "task/workload_size.h"

namespace kda {

namespace {
constexpr size_t kRequestBytes = 8u << 20;  // a timed request's input and output bytes, at most (unless one set is larger)
}  // namespace

Trace Judge::Impl::evaluate_workload(const Solution&, const BuildResult& build, size_t slot, const Workload& w,
                                     Next next) {
  PhaseScope timer("workload procedure (other)");
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
  // On a GPU the baseline's process is fresh per workload: one that had served earlier workloads
  // slowed the candidate's memory-bound calls on the next (H100, rmsnorm 4096 x 4096 after the
  // smaller public shapes: 0.0496 against 0.0467 ms, relative stdev 2.7 % against 1.4 %; a
  // fresh reference runner made no difference). On the CPU backend no such effect exists to
  // remove, and a runner's start costs more than a small workload's whole evaluation (its flush
  // buffer and shared memory are fresh pages), so the baseline runner lives for the session.
  // The one that served another workload goes before this one's inputs are made, so that its
  // device memory is free for the reference.
  const bool base_on_this_workload = base && base_has_run && base_workload == w.uuid;
  if (base && base_has_run && opt.backend != "cpu" && (!grouped || !base_on_this_workload)) retire(base);
  if (!peaks_known) baseline_runner();  // the session's first evaluation: the device's size and peaks
  if (const std::optional<uint64_t> bytes = device_memory_bytes())
    check_workload_fits(task.definition, w, 1, *bytes, "device memory");
  uint64_t draw = 0;
  std::shared_ptr<const DrawBatch> correctness_draw = draw_batch(w, draw, 1);
  const std::vector<std::vector<HostTensor>>& sets = correctness_draw->sets;
  const std::vector<std::vector<HostTensor>>& expected = correctness_draw->expected;
  // Output templates: only names, types and shapes reach the runner.
  const std::vector<HostTensor> outs = make_output_layouts(task.definition, w);
  // Up to four sets per request amortise a request's fixed cost over small sets; large sets go
  // one or two at a time. The memory shared with each runner holds one request, and every
  // byte of it is a fresh page in each fresh candidate runner (and in the judge): at 16 M
  // elements four sets were 768 MB of new pages per runner, seconds on a VM where a page
  // fault costs 5-15 us, for no gain, since a 128 MB set's transfers dwarf a request's cost.
  size_t set_bytes = 0;
  for (const HostTensor& t : sets[0]) set_bytes += t.nbytes();
  for (const HostTensor& t : outs) set_bytes += t.nbytes();
  const int kBatch = static_cast<int>(std::clamp<size_t>(kRequestBytes / std::max<size_t>(set_bytes, 1), 1, 4));

  // The candidate's runner: the one that served this pass's earlier workloads if it may serve
  // again (it passed its last workload, and has never been given this workload's inputs, so no
  // output it kept can answer a request here), else a new process. Either way it has seen none
  // of the inputs that follow: they are functions of (seed, workload, draw) and the digest of
  // draw 0 stands for the workload's. What else it carries over is what a deployed kernel keeps
  // between calls (its code, its allocations, a plan per shape); the untimed correctness call
  // and the wall-clock cross-check come first on every workload, as for a new runner.
  CandidateRunner& cand = pool.at(slot);
  std::string digest;
  for (const std::string& h : correctness_draw->hashes[0]) digest += h;
  if (!may_serve_again(cand, digest)) {
    retire(cand.runner);  // its exit overlaps the baseline's first call
    cand = CandidateRunner{};
  } else if (next_cand) {
    retire(next_cand);  // spawned in case it would not serve again: not needed
  }
  cand.served.insert(digest);
  cand.last_used = ++pool_clock;
  make_room(slot, 2 * static_cast<size_t>(kBatch) * set_bytes);  // two rotating slots of a request

  // The baseline's measurement of this workload. A plain evaluation makes a new one; a grouped
  // one keeps one per workload for the session, to which the group's later solutions and a
  // later group on the same workload (kda tune's next hidden round) add (docs/evaluator.md,
  // "Grouped evaluation"). Each later solution gets one baseline batch beside its own unless a
  // baseline call outlasts its whole half of the budget (the one-thread-per-row top-k baseline:
  // 0.2 s a call against 25 ms at --budget 0.05); when the samples already satisfy the stop
  // rule and no batch is owed, no baseline runner is needed here at all.
  if (!grouped) base_meas = BaselineMeasurement{};
  BaselineMeasurement& bm = grouped ? base_by_workload[w.uuid] : base_meas;
  const StopRule share = half_budget();
  const bool owe_baseline_batch = beside_affordable(bm, kBatch);
  const bool need_baseline = !baseline_complete(bm) || owe_baseline_batch;
  RunnerClient* basr = need_baseline ? &baseline_runner() : nullptr;
  // Runs one of the pinned baseline's requests; its runner failing is not the candidate's doing.
  auto run_pinned_baseline = [&](const std::vector<std::vector<HostTensor>>& batch, const std::vector<HostTensor>& outs,
                                 RunResult* recycled) {
    try {
      return basr->run(batch, outs, true, 0, opt.call_timeout * static_cast<int>(batch.size()), recycled);
    } catch (const RunnerFailure& f) {
      base.reset();
      fail(ErrorKind::kInput, "the pinned baseline's runner failed on workload " + w.uuid + ": " + f.reason + "\n" + f.log);
    }
  };
  // A baseline runner's untimed call on the correctness set comes first on each workload: a
  // runner's first call is not behind the CUDA launch gate and may carry one-time set-up, and
  // the measurement's first one's wall time (transfers included) sets how long the candidate's
  // calls may take (call_timeout_for).
  RunResult base_first;
  if (basr && (!grouped || !base_on_this_workload || bm.first_wall_ms == 0)) {
    base_first = run_pinned_baseline(sets, outs, nullptr);
    base_has_run = true;
    base_workload = w.uuid;
    if (bm.first_wall_ms == 0) bm.first_wall_ms = base_first.judge_wall_ms;
  }
  const std::chrono::milliseconds call_timeout = call_timeout_for(bm.first_wall_ms, opt.call_timeout);

  // Spawned ahead (prestart) or now; either is a new process. A failed load throws RunnerFailure
  // at its first request.
  if (!cand.runner)
    cand.runner = next_cand ? std::move(next_cand) : std::make_unique<RunnerClient>(config(build, opt.backend, "candidate"));
  RunnerClient& runner = *cand.runner;

  // Correctness: one call on draw 0, outputs poisoned, late writes and input mutation checked.
  // Its outputs land in the baseline's buffers (nothing looks at those: the pinned baseline's
  // first call only sets the call timeout).
  RunResult first = runner.run(sets, outs, true, 20, call_timeout, &base_first);
  CallCheck cc = check_call(first.calls[0], first.late_write, sets[0], correctness_draw->hashes[0], expected[0],
                              first.outputs[0]);
  t.correctness = cc.correctness;
  if (cc.status != Status::kPassed) return reject(cc.status, cc.code, cc.reason);
  // A sampling candidate's samples are random: one call shows only that they are valid. Their
  // distribution takes repeated calls on the same inputs (eval/sampling_trials.h).
  if (const CheckRules rules = check_rules(task.definition); rules.comparator == Comparator::kSampling) {
    Verdict sv = run_sampling_trials(runner, task.definition, rules, w, sets[0],
                                     {.call_timeout = call_timeout, .max_call_timeout = opt.call_timeout,
                                      .hashes = hashes_of, .say = [this](const std::string& m) { say(m); }});
    if (!sv.passed()) return reject(sv.status, sv.reason_code, sv.reason);
    t.correctness = sv.correctness;
  }

  // Wall-clock cross-check: the judge times a batch of back-to-back calls from outside the
  // runner (minus an empty batch), long enough (~100 ms) that one-off costs such as page faults
  // or unmapping are amortised, and compares totals with what the runner reported.
  const bool gpu = opt.backend != "cpu";
  const int repeat = static_cast<int>(std::clamp(100.0 / std::max(first.calls[0].ms, 0.001), 3.0, 1000.0));
  // The batch is sized to ~100 ms of calls as fast as the first: it may take the call timeout
  // three times over, never the call timeout per call (up to 1,000 calls).
  finish_retiring();  // the previous runners are gone before anything is timed
  WallCheck wall = wall_clock_check(runner, repeat, call_timeout * 3);
  // One contradiction may be the machine's: on a loaded host the judge's wall clock also counts
  // the runner's waits for a core. Before rejecting, the empty request's cost and the batch are
  // measured again; only a contradiction that every attempt shows is the candidate's.
  for (int attempt = 1; attempt < 3 && wall.contradicts(gpu); ++attempt) {
    WallCheck again = wall_clock_check(runner, repeat, call_timeout * 3);
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
  // The baseline's samples are the workload's measurement (bm): in a group, those earlier
  // solutions took count towards its stop rule.
  std::vector<double> cms, cratio;
  std::vector<double>&bms = bm.ms, &bratio = bm.ratio;
  double& base_seconds = bm.seconds;
  double base_seconds_here = 0;  // this solution's share of the baseline's time, for the interleave
  // Done with draw 0 (the runners keep their own copies for BATCH): unless the draw cache holds
  // it, its pages go back to the heap for the timed phase's sets.
  correctness_draw.reset();
  int call_index = 0, both_index = 0;
  double cand_seconds = 0;
  int base_batches_here = 0;
  // One set of output buffers, reused by both sides batch after batch, starting with those of the
  // correctness call: a buffer of pages already touched costs a copy, a new one also a page fault
  // per 4 KiB (at 16 M elements a second buffer was 64 MB of the judge's peak memory). Each
  // side's outputs are checked before the other side's request overwrites them.
  RunResult spare = std::move(first);
  auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  while (true) {
    const bool cand_done = should_stop(share, summarize(cms), cand_seconds);
    const bool base_done = baseline_complete(bm);
    const bool owe_beside = owe_baseline_batch && base_batches_here == 0;
    if (cand_done && base_done && !owe_beside) break;
    const bool run_cand = !cand_done;
    const bool run_base = owe_beside || (!base_done && (cand_done || static_cast<int>(bms.size()) < opt.stop.min_samples ||
                                                        base_seconds_here <= cand_seconds));
    const std::shared_ptr<const DrawBatch> drawn = draw_batch(w, draw, kBatch);
    PhaseScope bookkeeping("timed phase (other)");
    const std::vector<std::vector<HostTensor>>& batch = drawn->sets;
    const std::vector<std::vector<HostTensor>>& want = drawn->expected;
    const std::vector<std::vector<std::string>>& hashes = drawn->hashes;
    // The order alternates batch by batch (ABBA...): whoever runs first after the host-side
    // pause of input preparation may meet a cooler GPU or colder host caches, and that must not
    // favour either side.
    auto run_candidate = [&]() -> std::optional<Trace> {
      auto t_run = std::chrono::steady_clock::now();
      RunResult cr = runner.run(batch, outs, true, 0, call_timeout * kBatch, &spare);
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
      spare = std::move(cr);
      return std::nullopt;
    };
    auto run_baseline = [&] {
      auto t_run = std::chrono::steady_clock::now();
      RunResult br = run_pinned_baseline(batch, outs, &spare);
      if (!bms.empty()) {
        const double took = seconds_since(t_run);
        base_seconds += took;
        base_seconds_here += took;
      }
      ++base_batches_here;
      for (size_t k = 0; k < batch.size(); ++k) {
        CallCheck c = check_call(br.calls[k], false, batch[k], hashes[k], want[k], br.outputs[k]);
        if (c.status != Status::kPassed)
          fail(ErrorKind::kInput, "the pinned baseline fails on workload " + w.uuid + ": " + c.reason);
        bms.push_back(br.calls[k].ms);
        bratio.push_back(br.calls[k].clock_ratio);
      }
      spare = std::move(br);
    };
    // Counted over the batches both sides run, or one side's lone batches would fix the order.
    const bool candidate_first = !(run_cand && run_base) || (both_index++ % 2) == 0;
    if (run_base && !candidate_first) run_baseline();
    if (run_cand)
      if (auto rejected = run_candidate()) return *rejected;
    if (run_base && candidate_first) run_baseline();
  }
  // Nothing is timed from here on in this workload: the next one's runners may start.
  prestart(next.runner_kept ? nullptr : next.build, !next.same_workload && next.baseline_needed);
  std::vector<double> base_ms = bms, base_ratio = bratio;  // the measurement stays whole for the group
  int dropped = drop_throttled(cms, cratio) + drop_throttled(base_ms, base_ratio);
  SampleStats cs = summarize(cms), bs = summarize(base_ms);

  Performance p;
  p.latency_ms = cs.median;
  p.iqr_ms = cs.iqr();
  p.samples = cs.n;
  p.rel_stdev = cs.rel_stdev();
  p.reference_latency_ms = bs.median;
  p.speedup_factor = cs.median > 0 ? bs.median / cs.median : 0;
  p.baseline_samples = bs.n;
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
  // 5: a request carries at most 8 MB of sets (one set if larger), not always four.
  // 6: a grouped evaluation's solutions share the workload's baseline measurement (kda tune).
  // 7: a candidate's runner serves the workloads of a pass one after another (kept runners);
  //    a grouped baseline measurement is the session's per workload (kda tune's hidden rounds).
  return "timing 7; samples " + std::to_string(stop.min_samples) + ".." + std::to_string(stop.max_samples) +
         "; rel stdev " + std::to_string(stop.target_rel_stdev) + "; budget " + std::to_string(stop.budget_seconds) + " s";
}

}  // namespace kda
