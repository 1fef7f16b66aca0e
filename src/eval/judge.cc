#include "eval/judge.h"
#include "eval/judge_impl.h"

#include <malloc.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <optional>

#include "audit/audit_log.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "eval/compare.h"
#include "eval/fast_hash.h"
#include "eval/peaks.h"
#include "eval/phase_timer.h"
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

size_t default_draw_cache_bytes() { return std::min<uint64_t>(32ull << 30, host_available_bytes() / 4); }

namespace {

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::string fresh_seed() {
  unsigned char b[32];
  if (::getrandom(b, sizeof b, 0) != sizeof b) fail(ErrorKind::kEnvironment, "getrandom failed");
  return sha256_hex(b, sizeof b);
}

uint64_t seed_to_u64(const std::string& seed_hex) { return std::stoull(seed_hex.substr(0, 16), nullptr, 16); }

std::vector<std::string> hashes_of(const std::vector<HostTensor>& set) {
  PhaseScope timer("input hashes");
  std::vector<std::string> out;
  for (const HostTensor& t : set) out.push_back(hex64(fast_hash64_on_host_cores(t.data.data(), t.data.size())));
  return out;
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
  PhaseScope timer("session end");
  impl_->finish_retiring();
  impl_->pool.clear();
  impl_->next_cand.reset();
  impl_->next_base.reset();
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

Trace Judge::Impl::evaluate_or_verdict(const Solution& s, const BuildResult& build, size_t slot, const Workload& w,
                                        Next next) {
  Trace t;
  if (!build.ok) {
    t.workload = w;
    t.status = Status::kCompileError;
    t.reason_code = "compile_error";
    t.reason = "the solution does not build";
    t.log = build.log;
    return t;
  }
  say("evaluating " + s.name + " on " + w.uuid);
  candidate_in_python = build.python.has_value();
  try {
    t = evaluate_workload(s, build, slot, w, next);
    // A runner that did not pass is never asked again: it goes now, not when its slot's next
    // workload comes, so that it holds no memory meanwhile.
    if (t.status != Status::kPassed) {
      retire(pool[slot].runner);
      pool[slot] = CandidateRunner{};
    }
  } catch (const RunnerFailure& f) {
    t = Trace{};
    t.workload = w;
    t.status = f.status;
    t.reason_code = f.reason_code;
    t.reason = f.reason;
    t.log = f.log;
    pool[slot] = CandidateRunner{};
    next_cand.reset();  // not trusted: it would be swept anyway, and then be a dead runner
    finish_retiring();  // waited for here, not reaped by the sweep under their owners
    PhaseScope sweep("process sweep");
    kill_orphaned_descendants(trusted_pids());
  }
  return t;
}

void Judge::Impl::record(Trace& t, const Solution& s, const std::string& solution_hash, const BuildResult& build) {
  finish_trace(t, s, solution_hash, build);
  PhaseScope writes("store and audit writes");
  Json j = to_json(t);
  store.add_trace(solution_hash, j);
  audit.append("verdict", {{"solution", s.name}, {"solution_hash", solution_hash}, {"workload", t.workload.uuid},
                           {"status", to_string(t.status)}, {"reason_code", t.reason_code},
                           {"latency_ms", t.performance ? t.performance->latency_ms : 0.0},
                           {"baseline_hash", baseline_hash}, {"definition_hash", definition_hash},
                           {"trace_hash", sha256_hex(j.dump())}, {"seed_commitment", commitment}});
}

void Judge::Impl::start_pass(size_t solutions) {
  end_pass();
  pool.clear();
  pool.resize(solutions);
}

void Judge::Impl::end_pass() {
  finish_retiring();
  for (CandidateRunner& c : pool)
    if (c.runner) c.runner->stop();
  pool.clear();
  if (next_cand) next_cand->stop();  // spawned for an evaluation that then did not need it
  next_cand.reset();
  PhaseScope sweep("process sweep");
  kill_orphaned_descendants(trusted_pids());
}

void Judge::Impl::make_room(size_t slot, size_t bytes) {
  const bool gpu = opt.backend != "cpu";
  const std::optional<uint64_t> device_bytes = gpu ? device_memory_bytes() : std::nullopt;
  const uint64_t limit = (device_bytes ? *device_bytes : host_available_bytes()) / 4;
  // A GPU runner also holds its device context (a few hundred MB).
  const size_t per_runner = gpu ? size_t{512} << 20 : 0;
  pool[slot].footprint = std::max(pool[slot].footprint, bytes + per_runner);
  while (true) {
    uint64_t held = 0;
    size_t oldest = pool.size();
    for (size_t j = 0; j < pool.size(); ++j) {
      if (!pool[j].runner) continue;
      held += pool[j].footprint;
      if (j != slot && (oldest == pool.size() || pool[j].last_used < pool[oldest].last_used)) oldest = j;
    }
    if (!pool[slot].runner) held += pool[slot].footprint;
    if (held <= limit || oldest == pool.size()) return;
    retire(pool[oldest].runner);
    pool[oldest] = CandidateRunner{};
  }
}

SolutionResult Judge::evaluate(const Solution& s, const std::vector<const Workload*>& workloads,
                               const std::function<void(const Trace&)>& on_trace) {
  Impl& m = *impl_;
  SolutionResult res;
  res.solution = s.name;
  res.solution_hash = s.content_hash();
  m.say("building " + s.name);
  res.build = Impl::timed_build(s, {.backend = m.opt.backend, .arch = m.opt.arch, .require_sandbox = m.opt.require_sandbox});
  std::vector<double> speedups;
  res.all_passed = true;
  m.start_pass(1);
  if (res.build.ok && !workloads.empty()) m.prestart(&res.build, true);  // starts while the first inputs are made
  for (size_t i = 0; i < workloads.size(); ++i) {
    const bool more = i + 1 < workloads.size();
    Trace t = m.evaluate_or_verdict(
        s, res.build, 0, *workloads[i],
        {.build = more ? &res.build : nullptr, .same_workload = false, .runner_kept = more && m.expect_kept(0, 0)});
    m.record(t, s, res.solution_hash, res.build);
    if (t.status == Status::kPassed && t.performance) speedups.push_back(t.performance->speedup_factor);
    else res.all_passed = false;
    if (on_trace) on_trace(t);
    res.traces.push_back(std::move(t));
  }
  m.end_pass();
  res.geomean_speedup = geometric_mean(speedups);
  return res;
}

void Judge::evaluate_grouped(const std::vector<Solution>& solutions, const std::vector<const Workload*>& workloads,
                             const std::function<bool(size_t, size_t)>& wanted,
                             const std::function<void(size_t, const Trace&)>& on_trace) {
  Impl& m = *impl_;
  std::vector<BuildResult> builds;
  std::vector<std::string> hashes;
  for (const Solution& s : solutions) {
    builds.push_back(Impl::timed_build(s, {.backend = m.opt.backend, .arch = m.opt.arch, .require_sandbox = m.opt.require_sandbox}));
    hashes.push_back(s.content_hash());
  }
  // The (workload, solution) pairs in the order they run: workload by workload.
  std::vector<std::pair<size_t, size_t>> order;
  for (size_t j = 0; j < workloads.size(); ++j)
    for (size_t i = 0; i < solutions.size(); ++i)
      if (wanted(i, j)) order.emplace_back(j, i);
  struct Grouping {  // back to plain evaluation on the way out, however it is left
    Impl& m;
    ~Grouping() { m.grouped = false; }
  } grouping{m};
  m.grouped = true;
  m.start_pass(solutions.size());
  if (!order.empty() && builds[order[0].second].ok) m.prestart(&builds[order[0].second], true);
  for (size_t k = 0; k < order.size(); ++k) {
    const auto [j, i] = order[k];
    Impl::Next next;
    if (k + 1 < order.size())
      next = {.build = &builds[order[k + 1].second], .same_workload = order[k + 1].first == j,
              .runner_kept = m.expect_kept(order[k + 1].second, i),
              .baseline_needed = m.baseline_may_be_needed(workloads[order[k + 1].first]->uuid)};
    Trace t = m.evaluate_or_verdict(solutions[i], builds[i], i, *workloads[j], next);
    m.record(t, solutions[i], hashes[i], builds[i]);
    if (on_trace) on_trace(i, t);
  }
  m.end_pass();
}

}  // namespace kda
