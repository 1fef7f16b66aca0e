// The judge's handle on one kda-runner process: spawns it (own process group, only the two
// protocol pipes inherited, its output captured to a log), sends requests with a deadline and
// validates every answer. Whatever goes wrong on the runner's side becomes a RunnerFailure with
// the status and reason code the trace will carry (docs/evaluator.md).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "build/builder.h"
#include "core/json_io.h"
#include "eval/protocol.h"
#include "sandbox/limit_group.h"
#include "task/tensor.h"
#include "task/trace.h"

namespace kda {

struct RunnerConfig {
  std::filesystem::path runner_exe;
  std::string backend = "cpu";
  std::filesystem::path library;
  bool sandbox = true;
  std::chrono::milliseconds start_timeout{60000};
  /// Threads, memory and scratch bytes of the runner; a runner past one is a RUNTIME_ERROR whose
  /// reason_code names it (thread_limit, memory_limit, scratch_limit; docs/sandbox.md "Limits").
  RunnerLimits limits = default_runner_limits();
  /// Set for code the Python runner runs (build/python_build.h): then `library` is the staged
  /// sources' directory, and the runner is kda_pyrunner.py beside runner_exe.
  std::optional<BuildResult::Python> python;
  std::vector<std::string> input_dtypes, output_dtypes;  ///< the definition's, for the Python runner
  /// Returns from the constructor once the runner is spawned, without waiting for READY: the
  /// runner loads its library and creates its device context while the judge does other work,
  /// and the first request (or ready_info()) waits for READY and throws what the wait finds.
  bool defer_ready = false;
  /// Names this runner in the phase timers (eval/phase_timer.h): "<role> start", "<role> request".
  std::string role = "runner";
  /// Stopped (SIGSTOP to its whole process group) whenever it is not serving a request, and
  /// continued just before the next: a candidate's own threads cannot run while the baseline it
  /// is interleaved with is timed (a thread that spins between calls would slow the baseline and
  /// inflate the candidate's speedup), nor while the judge reads its outputs.
  bool freeze_between_requests = false;
};

/// A runner-side failure, already classified.
struct RunnerFailure {
  Status status;
  std::string reason_code;
  std::string reason;
  std::string log;  ///< tail of the runner's stdout/stderr
};

struct CallResult {
  int rc = 0;
  double ms = 0;
  double clock_ratio = 0;
  std::vector<std::string> input_hashes;
  std::string error;
};

struct RunResult {
  std::vector<CallResult> calls;
  bool late_write = false;
  std::vector<std::vector<HostTensor>> outputs;  ///< per input set
  double judge_wall_ms = 0;
};

/// The RUN request for these input sets (also written to files by `kda profile run`, whose
/// runner reads its requests from a file instead of the judge's pipe).
wire::Frame make_run_request(const std::vector<std::vector<HostTensor>>& input_sets,
                             const std::vector<HostTensor>& output_templates, bool flush, int late_write_check_ms);

class RunnerClient {
 public:
  /// Starts the runner and waits for READY (unless cfg.defer_ready); throws RunnerFailure (load
  /// errors, crashes).
  explicit RunnerClient(const RunnerConfig& cfg);
  ~RunnerClient();
  RunnerClient(const RunnerClient&) = delete;
  RunnerClient& operator=(const RunnerClient&) = delete;

  const Json& ready_info();  ///< {"pid", "device", "sandbox"}; waits for READY if deferred
  pid_t pid() const;

  /// `recycled`: a previous result whose output buffers are reused (their pages are already
  /// mapped; a fresh 64 MB output costs more in page faults than a whole GPU call).
  RunResult run(const std::vector<std::vector<HostTensor>>& input_sets,
                const std::vector<HostTensor>& output_templates, bool flush, int late_write_check_ms,
                std::chrono::milliseconds timeout, RunResult* recycled = nullptr);
  /// N back-to-back calls on the buffers left on the device by the preceding run(); returns the
  /// runner's per-call times and sets `judge_wall_ms` to the judge's own measurement of the request.
  std::vector<double> batch(int repeat, std::chrono::milliseconds timeout, double* judge_wall_ms);
  Json calibrate(std::chrono::milliseconds timeout);
  /// Polite stop (BYE), then kill the process group and any orphaned descendants.
  void stop();
  /// The first half of stop(): sends BYE and closes the request pipe, without waiting for the
  /// runner to exit (a GPU runner's exit tears down its device context: ~0.1 s). stop(), or the
  /// destructor, later waits for it and kills what is left.
  void begin_stop();

 private:
  void await_ready();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Json ready_;
};

}  // namespace kda
