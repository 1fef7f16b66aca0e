// Trace: the result of one (solution, workload) evaluation, in flashinfer-bench's shape with kda's
// additions under "kda" (reason for REJECTED, timing details, provenance hashes).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/json_io.h"
#include "task/workload.h"

namespace kda {

inline constexpr int kTraceSchemaVersion = 1;

enum class Status {
  kPassed, kIncorrectShape, kIncorrectDtype, kIncorrectNumerical, kRuntimeError,
  kCompileError, kTimeout, kRejected,
};
const char* to_string(Status s);  ///< "PASSED", "INCORRECT_NUMERICAL", ..., "REJECTED"
std::optional<Status> parse_status(std::string_view s);

struct Correctness {
  double max_absolute_error = 0;
  double max_relative_error = 0;
  int64_t nan_count = 0;
  int64_t inf_count = 0;
  int64_t elements_outside_tolerance = 0;
  int64_t elements_checked = 0;
};

struct Performance {
  double latency_ms = 0;  ///< median over timed samples
  double iqr_ms = 0;
  int samples = 0;
  double reference_latency_ms = 0;  ///< the pinned baseline, measured interleaved in this session
  double speedup_factor = 0;        ///< reference_latency_ms / latency_ms
  double rel_stdev = 0;
  int discarded_throttled = 0;
  double roofline_floor_ms = 0;     ///< max(bytes/peak_bw, flops/peak_flops); 0 when unknown
  double fraction_of_roofline = 0;  ///< roofline_floor_ms / latency_ms
  double judge_wall_per_call_ms = 0;
};

struct Environment {
  std::string hardware;   ///< device name
  std::string backend;    ///< cpu | cuda | hip
  std::string toolchain;  ///< compiler version line
  std::string driver;
  std::string host;
  /// How latencies were timed: "cupti" (every device activity of the runner, any stream),
  /// "events+wall_bound" (the weaker fallback where CUPTI is missing), "steady_clock" (CPU).
  std::string timer;
};

struct Provenance {
  std::string definition_hash;
  std::string solution_hash;
  std::string baseline_hash;
  std::string reference_hash;
  std::string workload_hash;
  std::string evaluator_build;
  std::string seed_commitment;  ///< sha256 of the session seed, logged before the run
  std::string seed;             ///< revealed after the run
};

struct Trace {
  std::string definition;
  std::string solution;
  Workload workload;
  Status status = Status::kRuntimeError;
  std::string log;     ///< trimmed diagnostics (compile errors, crash output)
  std::string reason_code;  ///< kda: stable machine code of the reason (docs/evaluator.md)
  std::string reason;       ///< kda: why a non-PASSED status was given (specific, one line)
  std::optional<Correctness> correctness;  ///< PASSED and INCORRECT_NUMERICAL only
  std::optional<Performance> performance;  ///< PASSED only
  Environment environment;
  Provenance provenance;
  std::string timestamp;  ///< ISO 8601 UTC
};

/// flashinfer-bench layout: {definition, workload, solution, evaluation:{status, log,
/// environment, timestamp, correctness?, performance?}, kda:{schema_version, reason, ...}}.
Json to_json(const Trace& t);
Trace parse_trace(const Json& j, const std::string& origin);

}  // namespace kda
