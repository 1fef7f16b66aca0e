#include "eval/runner_client.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "build/python_build.h"
#include "core/bulk_buffer.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/parallel.h"
#include "eval/phase_timer.h"
#include "eval/protocol.h"
#include "eval/shared_region.h"
#include "sandbox/child.h"

extern char** environ;

namespace kda {
namespace fs = std::filesystem;

namespace {

Json layouts(const std::vector<HostTensor>& ts) {
  Json arr = Json::array();
  for (const HostTensor& t : ts) {
    DLDataType dl = to_dlpack(t.dtype);
    arr.push_back({{"name", t.name}, {"dl", {dl.code, dl.bits, dl.lanes}}, {"shape", t.shape}, {"nbytes", t.nbytes()}});
  }
  return arr;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

// The Python runner (tools/runner/kda_pyrunner.py) takes kda-runner's flags plus its own.
std::vector<std::string> python_runner_argv(const RunnerConfig& cfg) {
  const fs::path dir = cfg.runner_exe.parent_path();
  const BuildResult::Python& py = *cfg.python;
  const std::string file = py.entry.substr(0, py.entry.find("::"));
  std::vector<std::string> argv = {python_executable().string(), "-I", "-B", (dir / "kda_pyrunner.py").string(),
                                   "--core", (dir / "libkda-pyrunner.so").string(),
                                   "--py-root", cfg.library.string(), "--py-entry", py.entry,
                                   "--py-kind", py.kind, "--py-style", py.dps ? "dps" : "value",
                                   "--py-inputs", join(cfg.input_dtypes), "--py-outputs", join(cfg.output_dtypes),
                                   "--library", (cfg.library / file).string()};
  if (py.jit) argv.push_back("--py-jit");
  return argv;
}

std::string tail(const std::string& s, size_t n = 2000) { return s.size() <= n ? s : "[...]\n" + s.substr(s.size() - n); }

std::map<std::string, std::string> runner_env(const fs::path& scratch, const std::string& backend, bool python) {
  std::map<std::string, std::string> env = {{"HOME", scratch.string()}, {"TMPDIR", scratch.string()},
                                            {"PATH", "/usr/local/bin:/usr/bin:/bin"}};
  for (const char* k :
       {"OMP_NUM_THREADS", "OMP_WAIT_POLICY", "CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH", "HIP_VISIBLE_DEVICES", "KDA_LAUNCH_GATE",
        "KDA_CUPTI", "KDA_CUPTI_LIBRARY"})
    if (const char* v = std::getenv(k)) env[k] = v;
  // Under a profiler that injects itself through the environment (Nsight Compute sets
  // CUDA_INJECTION64_PATH; rocprof sets HSA_TOOLS_LIB), the runner must see the judge's whole
  // environment, TMPDIR included, or the injected library cannot reach its front end.
  if (std::getenv("CUDA_INJECTION64_PATH") || std::getenv("HSA_TOOLS_LIB")) {
    for (char** e = environ; *e; ++e) {
      std::string kv = *e;
      auto eq = kv.find('=');
      if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  // Runners take turns on the machine; spinning OpenMP workers would steal the next one's cores.
  if (!env.count("OMP_WAIT_POLICY")) env["OMP_WAIT_POLICY"] = "PASSIVE";
  // Load every CUDA module before the sandbox closes the door behind it.
  // Not for Python: torch's libraries hold thousands of kernels, and eager loading would add
  // seconds and gigabytes to every runner's start. The candidate's own modules load at its first
  // call, after the sandbox, from memory the runner can read.
  if (backend == "cuda" && !python) env["CUDA_MODULE_LOADING"] = "EAGER";
  return env;
}

constexpr uint8_t kPoison = 0xFF;  // what a RUN request's outputs are filled with (the request says so)

// Bytes of a request's sets and outputs between the judge's own memory and the shared region.
struct InPiece {
  size_t offset;  ///< in the region
  const uint8_t* src;
  size_t n;
};
struct OutPiece {
  size_t offset;
  uint8_t* dst;
  size_t n;
};

constexpr size_t kCopyGrain = size_t{4} << 20;  // bytes a thread copies at least

// Runs copy(piece, from, len) over the pieces' bytes, split into chunks of at least 4 MB over
// the host's cores (the caller's phase timer counts the copy's time; the page faults it counts
// are its own thread's only).
template <typename Piece, typename Copy>
void copy_pieces(const std::vector<Piece>& pieces, Copy copy) {
  size_t total = 0;
  for (const Piece& p : pieces) total += p.n;
  parallel_chunks(total, chunk_count(total, kCopyGrain), [&](size_t, size_t begin, size_t end) {
    size_t start = 0;
    for (const Piece& p : pieces) {
      const size_t lo = std::max(begin, start), hi = std::min(end, start + p.n);
      if (lo < hi) copy(p, lo - start, hi - lo);
      start += p.n;
      if (start >= end) break;
    }
  });
}

}  // namespace

struct RunnerClient::Impl {
  Child child;
  int to_runner = -1, from_runner = -1;
  uint32_t seq = 1;
  fs::path scratch;
  fs::path log_path;
  SharedRegion shm;  ///< input sets and outputs of RUN requests (fd 5 in the runner)
  RunnerLimits limits;
  std::unique_ptr<LimitGroup> group;  ///< the runner's cgroup caps; null where none can be made
  bool address_space_capped = false;  ///< the fallback: RLIMIT_AS on the CPU backend
  // Phase timer names (eval/phase_timer.h): they outlive every scope that points at them.
  std::string phase_start, phase_ready, phase_request, phase_calls, phase_stop;
  std::chrono::milliseconds start_timeout{60000};
  bool python = false;           ///< the Python runner (a load error is its COMPILE_ERROR)
  bool awaiting_ready = false;   ///< spawned, READY not read yet (RunnerConfig::defer_ready)
  bool freeze = false;           ///< RunnerConfig::freeze_between_requests
  bool frozen = false;
  bool stopping = false;         ///< BYE sent (begin_stop), exit not yet waited for
  bool map_region = false;       ///< the judge maps the shared region (GPU backends); else pwrite/pread

  // The shared region holds at least `fill_offset + fill_bytes`; `in` is copied to it and the
  // fill range set to the poison byte. On a GPU backend the judge maps the region and copies
  // on all its cores: one core's pwrite of a 128 MB set took ~5 ms, per sample, and a runner
  // kept for a pass keeps its region, so the mapping's pages are set up once. On the CPU backend
  // it writes with pwrite (shared_region.h: on a VM the first touch of a mapped page costs more
  // than its copy), which the kernel serialises per file, so one core does it.
  bool write_region(const std::vector<InPiece>& in, size_t fill_offset, size_t fill_bytes) {
    const size_t need = fill_offset + fill_bytes;
    if (map_region) {
      if (need == 0) return true;  // nothing to copy, and nothing mapped
      if (!shm.reserve(need)) return false;
      uint8_t* base = shm.data();
      copy_pieces(in, [&](const InPiece& p, size_t off, size_t len) { std::memcpy(base + p.offset + off, p.src + off, len); });
      parallel_chunks(fill_bytes, chunk_count(fill_bytes, kCopyGrain),
                      [&](size_t, size_t b, size_t e) { std::memset(base + fill_offset + b, kPoison, e - b); });
      return true;
    }
    if (!shm.grow(need)) return false;
    for (const InPiece& p : in)
      if (!shm.write_at(p.offset, p.src, p.n)) return false;
    return !fill_bytes || shm.fill_at(fill_offset, kPoison, fill_bytes);
  }
  // Copies the outputs out of the region, before anything looks at them (the runner can still
  // write to it).
  bool read_region(const std::vector<OutPiece>& out) {
    if (map_region) {
      const uint8_t* base = shm.data();
      for (const OutPiece& p : out)
        if (p.n && p.offset + p.n > shm.size()) return false;
      copy_pieces(out, [&](const OutPiece& p, size_t off, size_t len) { std::memcpy(p.dst + off, base + p.offset + off, len); });
      return true;
    }
    for (const OutPiece& p : out)
      if (!shm.read_at(p.offset, p.dst, p.n)) return false;
    return true;
  }

  // SIGSTOP cannot be caught or ignored; the group is the runner and anything it started.
  void stop_group() {
    if (!freeze || frozen || child.pid() <= 0) return;
    if (::kill(-child.pid(), SIGSTOP) == 0) frozen = true;
  }
  void continue_group() {
    if (!frozen) return;
    ::kill(-child.pid(), SIGCONT);
    frozen = false;
  }

  ~Impl() {
    if (to_runner >= 0) ::close(to_runner);
    if (from_runner >= 0) ::close(from_runner);
    child.kill_all();
    group.reset();
    std::error_code ec;
    if (!scratch.empty()) fs::remove_all(scratch, ec);
  }

  std::string log_tail() {
    std::ifstream in(log_path);
    std::stringstream ss;
    ss << in.rdbuf();
    return tail(ss.str());
  }

  // A cap the runner ran into, by the kernel's own count where a cgroup holds it, else by the
  // judge's (threads alive now, scratch bytes): "" when none.
  std::string limit_hit(std::string* reason, int sig = 0, const std::string& log = "") {
    if (group) {
      std::string code = group->exceeded();
      if (!code.empty()) {
        *reason = group->describe(code);
        return code;
      }
    } else if (long n = thread_count(child.pid()); n > 0 && static_cast<uint64_t>(n) > limits.max_tasks) {
      *reason = "the runner had " + std::to_string(n) + " threads, over its limit of " + std::to_string(limits.max_tasks);
      return "thread_limit";
    }
    if (sig == SIGXFSZ) {
      *reason = "a file the candidate wrote exceeded the runner's file size limit";
      return "scratch_limit";
    }
    if (limits.scratch_bytes) {
      uint64_t used = directory_bytes(scratch.string());
      if (used > limits.scratch_bytes) {
        *reason = "the runner's scratch directory holds " + std::to_string(used >> 20) + " MiB, over its limit of " +
                  std::to_string(limits.scratch_bytes >> 20) + " MiB";
        return "scratch_limit";
      }
    }
    // Without a memory cgroup, RLIMIT_AS makes allocations fail; the runner then dies of the
    // failed allocation (the log is the candidate's, but it can only rename its own failure).
    if (address_space_capped && sig && log.find("bad_alloc") != std::string::npos) {
      *reason = "an allocation failed at the runner's address-space limit of " + std::to_string(limits.memory_bytes >> 20) + " MiB";
      return "memory_limit";
    }
    return "";
  }

  // After an answer: a cap passed during the call ends the runner with a RUNTIME_ERROR naming it.
  void check_limits() {
    std::string reason, code = limit_hit(&reason);
    if (code.empty()) return;
    child.kill_all();
    throw RunnerFailure{Status::kRuntimeError, code, reason, log_tail()};
  }

  // The runner went away or broke the protocol: classify what happened.
  [[noreturn]] void fail_from(const wire::WireError& e, const std::string& during) {
    if (e.kind == wire::WireError::Kind::kTimeout) {
      child.kill_all();
      // A runner that passed a cap before it ran out of time is reported for the cap: a scratch
      // filler on a slow disk is still a scratch filler.
      std::string limit_reason;
      if (std::string code = limit_hit(&limit_reason); !code.empty())
        throw RunnerFailure{Status::kRuntimeError, code, limit_reason + " " + during + " (it then ran out of time and was killed)",
                            log_tail()};
      throw RunnerFailure{Status::kTimeout, "timeout", "no answer " + during + "; the runner was killed", log_tail()};
    }
    if (e.kind == wire::WireError::Kind::kMalformed) {
      child.kill_all();
      throw RunnerFailure{Status::kRejected, "protocol_violation",
                          "the runner's answer " + during + " is not a valid frame (" + e.message +
                              "): something in the candidate wrote to the protocol channel",
                          log_tail()};
    }
    child.wait(std::chrono::milliseconds(5000));
    std::string how = child.describe();
    auto sig = child.term_signal();
    child.kill_all();
    std::string log = log_tail(), limit_reason;
    if (std::string code = limit_hit(&limit_reason, sig.value_or(0), log); !code.empty())
      throw RunnerFailure{Status::kRuntimeError, code, limit_reason + " " + during + " (" + how + ")", log};
    if (sig && *sig == SIGSYS)
      throw RunnerFailure{Status::kRejected, "sandbox_violation",
                          "the candidate made a forbidden system call " + during + " (" + how + ")", log_tail()};
    if (sig)
      throw RunnerFailure{Status::kRuntimeError, "crash", "the runner crashed " + during + ": " + how, log_tail()};
    throw RunnerFailure{Status::kRuntimeError, "exit_during_call",
                        "the runner exited " + during + " without answering (" + how + ")", log_tail()};
  }

  wire::Frame request(wire::Frame req, wire::Type expect, std::chrono::milliseconds timeout, const std::string& during) {
    req.seq = ++seq;
    continue_group();
    try {
      wire::write_frame(to_runner, req);
      auto deadline = std::chrono::steady_clock::now() + timeout;
      wire::Frame resp = wire::read_frame(from_runner, deadline);
      if (resp.type == wire::Type::kError) {
        check_limits();
        child.kill_all();
        throw RunnerFailure{Status::kRuntimeError, resp.json.value("code", "runner_error"),
                            "runner error " + during + ": " + resp.json.value("message", "?"), log_tail()};
      }
      if (resp.seq != req.seq || resp.type != expect) {
        child.kill_all();
        throw RunnerFailure{Status::kRejected, "protocol_violation",
                            "unexpected frame " + during + " (sequence or type out of order): something in the candidate wrote to the protocol channel",
                            log_tail()};
      }
      stop_group();  // until the next request
      return resp;
    } catch (const wire::WireError& e) {
      char within[48];
      std::snprintf(within, sizeof within, " within %.1f s", std::chrono::duration<double>(timeout).count());
      fail_from(e, during + within);
    }
  }
};

wire::Frame make_run_request(const std::vector<std::vector<HostTensor>>& sets, const std::vector<HostTensor>& outs,
                             bool flush, int late_write_check_ms) {
  wire::Frame req;
  req.type = wire::Type::kRun;
  req.json = {{"inputs", layouts(sets.at(0))}, {"outputs", layouts(outs)}, {"sets", sets.size()},
              {"poison", 0xFF}, {"flush", flush}, {"late_write_check_ms", late_write_check_ms}};
  for (const auto& set : sets)
    for (const HostTensor& t : set) req.blob.insert(req.blob.end(), t.data.begin(), t.data.end());
  return req;
}

RunnerClient::RunnerClient(const RunnerConfig& cfg) : impl_(std::make_unique<Impl>()) {
  impl_->phase_start = cfg.role + " start";
  impl_->phase_ready = cfg.role + " start (waiting for READY)";
  impl_->phase_request = cfg.role + " request";
  impl_->phase_calls = cfg.role + " timed calls";
  impl_->phase_stop = cfg.role + " stop";
  PhaseScope timer(impl_->phase_start.c_str());
  impl_->scratch = make_temp_dir("kda-scratch");
  impl_->log_path = impl_->scratch.string() + ".log";
  int to[2], from[2];
  if (::pipe2(to, O_CLOEXEC) || ::pipe2(from, O_CLOEXEC))
    fail(ErrorKind::kEnvironment, std::string("pipe: ") + strerror(errno));
  int log_fd = ::open(impl_->log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ChildSpec spec;
  spec.argv = cfg.python ? python_runner_argv(cfg)
                         : std::vector<std::string>{cfg.runner_exe.string(), "--library", cfg.library.string()};
  spec.argv.insert(spec.argv.end(), {"--backend", cfg.backend, "--scratch", impl_->scratch.string()});
  if (!cfg.sandbox) spec.argv.push_back("--no-sandbox");
  // Caps (sandbox/limit_group.h): a cgroup the runner joins before it loads the library; without
  // one, RLIMIT_AS on the CPU backend and the judge's own counts after every request.
  impl_->limits = cfg.limits;
  if (cfg.sandbox) {
    std::string why_not;
    impl_->group = LimitGroup::create(cfg.limits, &why_not);
    if (impl_->group)
      for (const std::string& f : impl_->group->join_files()) spec.argv.insert(spec.argv.end(), {"--cgroup", f});
    if ((!impl_->group || !impl_->group->caps_memory()) && cfg.backend == "cpu" && cfg.limits.memory_bytes) {
      spec.argv.insert(spec.argv.end(), {"--memory-limit", std::to_string(cfg.limits.memory_bytes)});
      impl_->address_space_capped = true;
    }
  }
  spec.env = runner_env(impl_->scratch, cfg.backend, cfg.python.has_value());
  spec.cwd = impl_->scratch;
  impl_->shm = SharedRegion::create();
  spec.pass_fds = {to[0], from[1], impl_->shm.fd()};  // fd 3: requests in, fd 4: answers out, fd 5: shared memory
  spec.stdout_fd = log_fd;
  impl_->child = spawn_child(spec);
  ::close(to[0]);
  ::close(from[1]);
  if (log_fd >= 0) ::close(log_fd);
  impl_->to_runner = to[1];
  impl_->from_runner = from[0];
  impl_->start_timeout = cfg.start_timeout;
  impl_->python = cfg.python.has_value();
  impl_->awaiting_ready = true;
  impl_->freeze = cfg.freeze_between_requests;
  impl_->map_region = cfg.backend != "cpu";
  if (!cfg.defer_ready) await_ready();
}

void RunnerClient::await_ready() {
  if (!impl_->awaiting_ready) return;
  impl_->awaiting_ready = false;
  PhaseScope timer(impl_->phase_ready.c_str());
  try {
    wire::Frame ready = wire::read_frame(impl_->from_runner, std::chrono::steady_clock::now() + impl_->start_timeout);
    if (ready.type == wire::Type::kError) {
      impl_->child.kill_all();
      // The runner's environment, not the candidate, is at fault (a Python without torch).
      if (ready.json.value("code", "") == "environment")
        fail(ErrorKind::kEnvironment, ready.json.value("message", "the runner's environment is incomplete"));
      // A Python module that does not import is that solution's build failing, as in flashinfer-bench.
      const std::string code = ready.json.value("code", "load_error");
      throw RunnerFailure{impl_->python && code == "load_error" ? Status::kCompileError : Status::kRuntimeError, code,
                          ready.json.value("message", "the runner could not start"), impl_->log_tail()};
    }
    if (ready.type != wire::Type::kReady)
      throw wire::WireError{wire::WireError::Kind::kMalformed, "first frame is not READY"};
    ready_ = ready.json;
  } catch (const wire::WireError& e) {
    impl_->fail_from(e, "while loading the library");
  }
}

const Json& RunnerClient::ready_info() {
  await_ready();
  return ready_;
}

RunnerClient::~RunnerClient() { stop(); }

pid_t RunnerClient::pid() const { return impl_->child.pid(); }

void RunnerClient::begin_stop() {
  if (!impl_ || impl_->to_runner < 0) return;
  impl_->awaiting_ready = false;  // a runner stopped before its first request is not waited for
  // Untimed: a BYE into the pipe; the stop's phase is its wait for the exit (stop()), counted once.
  impl_->continue_group();  // a stopped runner cannot read its BYE
  try {
    wire::Frame bye;
    bye.type = wire::Type::kBye;
    bye.json = Json::object();
    bye.seq = ++impl_->seq;
    wire::write_frame(impl_->to_runner, bye);
  } catch (...) {
  }
  ::close(impl_->to_runner);
  impl_->to_runner = -1;
  impl_->stopping = true;
}

void RunnerClient::stop() {
  if (!impl_) return;
  begin_stop();
  if (!impl_->stopping) return;
  PhaseScope timer(impl_->phase_stop.c_str());
  impl_->child.wait(std::chrono::milliseconds(2000));
  impl_->child.kill_all();
  impl_->stopping = false;
}

RunResult RunnerClient::run(const std::vector<std::vector<HostTensor>>& sets, const std::vector<HostTensor>& outs,
                            bool flush, int late_ms, std::chrono::milliseconds timeout, RunResult* recycled) {
  await_ready();
  // The sets go through the shared region (inputs from 0, outputs from out_offset); the frame
  // carries the same layout description as a blob request, and no bytes.
  size_t in_bytes = 0, out_bytes = 0;
  for (const HostTensor& t : sets.at(0)) in_bytes += t.nbytes();
  for (const HostTensor& t : outs) out_bytes += t.nbytes();
  const size_t n = sets.size();
  const size_t out_offset = (in_bytes * n + 4095) / 4096 * 4096;
  {  // the shared region grows to fit, the sets are copied in, the outputs poisoned
    PhaseScope upload("upload to shared memory");
    std::vector<InPiece> pieces;
    size_t at = 0;
    for (const auto& set : sets) {
      size_t bytes = 0;
      for (const HostTensor& t : set) {
        if (t.data.size() != t.nbytes()) fail(ErrorKind::kInternal, "input '" + t.name + "' has the wrong byte size");
        bytes += t.nbytes();
        pieces.push_back({at, t.data.data(), t.data.size()});
        at += t.data.size();
      }
      if (bytes != in_bytes) fail(ErrorKind::kInternal, "input sets of one request differ in size");
    }
    // Poisoned, so that an output the runner never wrote back reads as unwritten, never as the
    // previous request's.
    if (!impl_->write_region(pieces, out_offset, out_bytes * n))
      fail(ErrorKind::kEnvironment, std::string("cannot write to the memory shared with the runner: ") + strerror(errno));
  }
  wire::Frame req;
  req.type = wire::Type::kRun;
  req.json = {{"inputs", layouts(sets.at(0))}, {"outputs", layouts(outs)}, {"sets", n}, {"poison", kPoison},
              {"flush", flush}, {"late_write_check_ms", late_ms}, {"shm", {{"out_offset", out_offset}}}};
  PhaseScope request_timer(impl_->phase_request.c_str());
  auto t0 = std::chrono::steady_clock::now();
  wire::Frame resp = impl_->request(std::move(req), wire::Type::kRunResult, timeout, "during a call");
  impl_->check_limits();
  RunResult r;
  if (recycled) r.outputs = std::move(recycled->outputs);
  r.judge_wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  try {
    const Json& calls = resp.json.at("calls");
    if (!calls.is_array() || calls.size() != sets.size() || !resp.blob.empty())
      throw std::runtime_error("sizes");
    for (const Json& c : calls) {
      CallResult cr;
      cr.rc = c.at("rc").get<int>();
      cr.ms = c.at("ms").get<double>();
      cr.clock_ratio = c.at("clock_ratio").get<double>();
      cr.input_hashes = c.at("input_hashes").get<std::vector<std::string>>();
      cr.error = c.at("error").get<std::string>();
      if (cr.input_hashes.size() != sets.at(0).size()) throw std::runtime_error("values");
      if (!(cr.ms >= 0) || !std::isfinite(cr.ms)) {
        impl_->child.kill_all();
        throw RunnerFailure{Status::kRejected, "wall_clock_contradiction",
                            "the runner reported an impossible call time (" + std::to_string(cr.ms) +
                                " ms): its clock was tampered with", impl_->log_tail()};
      }
      r.calls.push_back(std::move(cr));
    }
    r.late_write = resp.json.at("late_write").get<bool>();
    double called = 0;
    for (const CallResult& c : r.calls) called += c.ms;
    // What the runner timed is the calls themselves; the rest of the request is its flushes,
    // copies to and from the device, hashes and the protocol.
    claim_phase_time(impl_->phase_calls, std::min(called / 1000, r.judge_wall_ms / 1000));
  } catch (const std::exception&) {
    impl_->child.kill_all();
    throw RunnerFailure{Status::kRejected, "protocol_violation", "the runner's RUN answer does not match the request",
                        impl_->log_tail()};
  }
  // Copied out before anything looks at them: the runner can still write to the region.
  PhaseScope download("download from shared memory");
  size_t q = out_offset;
  r.outputs.resize(sets.size());
  std::vector<OutPiece> pieces;
  for (std::vector<HostTensor>& o : r.outputs) {
    o.resize(outs.size());
    for (size_t i = 0; i < outs.size(); ++i) {
      o[i].name = outs[i].name;
      o[i].dtype = outs[i].dtype;
      o[i].shape = outs[i].shape;
      resize_bulk(o[i].data, outs[i].nbytes());  // within the recycled capacity: no new pages
      pieces.push_back({q, o[i].data.data(), o[i].data.size()});
      q += outs[i].nbytes();
    }
  }
  if (!impl_->read_region(pieces)) {
    impl_->child.kill_all();
    throw RunnerFailure{Status::kRejected, "protocol_violation", "the runner's outputs could not be read back",
                        impl_->log_tail()};
  }
  return r;
}

std::vector<double> RunnerClient::batch(int repeat, std::chrono::milliseconds timeout, double* judge_wall_ms) {
  await_ready();
  wire::Frame req;
  req.type = wire::Type::kBatch;
  req.json = {{"repeat", repeat}};  // runs on the buffers of the preceding RUN
  auto t0 = std::chrono::steady_clock::now();
  wire::Frame resp = impl_->request(std::move(req), wire::Type::kBatchResult, timeout, "during a timed batch");
  impl_->check_limits();
  *judge_wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  try {
    auto ms = resp.json.at("ms").get<std::vector<double>>();
    if (static_cast<int>(ms.size()) != repeat) throw std::runtime_error("count");
    return ms;
  } catch (const std::exception&) {
    impl_->child.kill_all();
    throw RunnerFailure{Status::kRejected, "protocol_violation", "the runner's BATCH answer does not match the request",
                        impl_->log_tail()};
  }
}

Json RunnerClient::calibrate(std::chrono::milliseconds timeout) {
  await_ready();
  wire::Frame req;
  req.type = wire::Type::kCalibrate;
  req.json = Json::object();
  return impl_->request(std::move(req), wire::Type::kCalibrateResult, timeout, "during calibration").json;
}

}  // namespace kda
