// Trace: the result of one (solution, workload) evaluation, in flashinfer-bench's shape with kda's
// additions under "kda" (reason for REJECTED, timing details, provenance hashes). What kda
// writes validates against flashinfer-bench's pydantic Trace (docs/formats.md "Traces"):
//   - evaluation.status is one of its statuses: kda's REJECTED is written RUNTIME_ERROR, with
//     kda.status "REJECTED" and kda.reason saying why;
//   - evaluation.environment.hardware is never empty;
//   - non-finite numbers are the strings "NaN", "Infinity", "-Infinity" (pydantic's
//     ser_json_inf_nan="strings"), never JSON null;
//   - evaluation.performance.reference_latency_ms / speedup_factor are against the definition's
//     reference; kda's pinned-baseline figures go to kda.performance.baseline_*.
// Traces read from elsewhere keep every field kda does not model (Trace::raw) when written back.
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
  // NOTE the two historical names below mean the pinned BASELINE (what all of kda compares
  // against: verdict tables, tune, the loop). They are written as kda.performance.baseline_*,
  // not as flashinfer-bench's reference_latency_ms/speedup_factor (those are the next two).
  double reference_latency_ms = 0;  ///< the pinned baseline's median, measured interleaved in this session
  double speedup_factor = 0;        ///< baseline: reference_latency_ms / latency_ms
  double rel_stdev = 0;
  int discarded_throttled = 0;
  double roofline_floor_ms = 0;     ///< max(bytes/peak_bw, flops/peak_flops); 0 when unknown
  double fraction_of_roofline = 0;  ///< roofline_floor_ms / latency_ms
  double judge_wall_per_call_ms = 0;
  // (Last, so that positional initialisers of the fields above keep their meaning.)
  /// The definition's reference, timed in this session; the judge fills it (0 = not timed, e.g.
  /// a native reference that only computes expected outputs). When the baseline IS the
  /// reference (provenance.baseline_hash == reference_hash), to_json takes the baseline's
  /// figures when this is left 0. Written as evaluation.performance.reference_latency_ms.
  double definition_reference_ms = 0;
  /// definition_reference_ms / latency_ms (evaluation.performance.speedup_factor); 0 when the
  /// reference was not timed. to_json computes it when left 0 and both latencies are known.
  double definition_reference_speedup = 0;
  /// How many timed samples the baseline's median is over. In kda tune the variants of a
  /// workload share one baseline measurement, so a later variant's count includes the earlier
  /// variants' samples (docs/evaluator.md, "Grouped evaluation"). 0: not recorded (older traces).
  int baseline_samples = 0;
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
  /// The document as read (parse_trace): fields kda does not model (libs, correctness.extra,
  /// hardware_id, anything a newer flashinfer-bench adds) are written back unchanged. A trace
  /// read without a "kda" block is written back without one.
  Json raw;
};

/// flashinfer-bench's name for a status: REJECTED becomes RUNTIME_ERROR (kda.status keeps it).
const char* fib_status(Status s);

/// flashinfer-bench layout: {definition, workload, solution, evaluation:{status, log,
/// environment, timestamp, correctness?, performance?}, kda:{schema_version, status, reason,
/// performance:{baseline_latency_ms, baseline_speedup_factor, ...}, ...}}.
Json to_json(const Trace& t);
Trace parse_trace(const Json& j, const std::string& origin);

}  // namespace kda
