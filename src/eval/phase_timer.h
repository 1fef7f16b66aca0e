// Phase timers (issue 16): where an evaluation's wall time goes, phase by phase (runner start,
// builds, input generation, reference runs, candidate and baseline requests, checks, the
// wall-clock cross-check, store and audit writes). One process-wide table; a PhaseScope adds
// the time it was alive to its phase. Scopes nest: a phase's time is its own (exclusive), the
// time of scopes opened inside it on the same thread goes to theirs, so the shares add up to at
// most 100 % of the wall time (the rest is "unaccounted"). Off by default: a disabled scope costs
// one relaxed atomic load. Thread-safe (kda tune builds in parallel threads).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace kda {

struct PhaseRow {
  std::string phase;
  double seconds = 0;  ///< exclusive: nested scopes' time is theirs
  uint64_t count = 0;  ///< how many scopes of this phase closed
  uint64_t faults = 0; ///< the judge's own page faults (minor and major) in it, exclusive as well
};

/// Turns the timers on (or off) for the whole process; clears nothing.
void enable_phase_timers(bool on);
bool phase_timers_enabled();
/// Adds `seconds` (one occurrence) to `phase` directly.
void add_phase_time(const std::string& phase, double seconds, uint64_t faults = 0);
/// Adds `seconds` to `phase` and takes them off the scope open on this thread (time measured
/// inside a scope by other means, e.g. the calls a runner timed within one request).
void claim_phase_time(const std::string& phase, double seconds);
/// The table so far, phases in the order they were first seen.
std::vector<PhaseRow> phase_rows();
void reset_phase_timers();
/// A table "phase  seconds  count  share  faults" of the rows, share against `wall_seconds`, with an
/// "unaccounted" line for the wall time no phase claimed and a total line.
std::string format_phase_table(const std::vector<PhaseRow>& rows, double wall_seconds);

/// `kda eval/tune --profile-phases`: when `on`, turns the timers on and, when it goes out of
/// scope (the command finished or failed), writes the table of the command's wall time to stderr.
class PhaseReport {
 public:
  explicit PhaseReport(bool on);
  ~PhaseReport();
  PhaseReport(const PhaseReport&) = delete;
  PhaseReport& operator=(const PhaseReport&) = delete;

 private:
  bool on_;
  std::chrono::steady_clock::time_point start_;
};

/// Times its own lifetime into `phase` (a string literal or other string that outlives it),
/// minus the lifetime of the scopes opened inside it on this thread.
class PhaseScope {
 public:
  explicit PhaseScope(const char* phase);
  ~PhaseScope();
  PhaseScope(const PhaseScope&) = delete;
  PhaseScope& operator=(const PhaseScope&) = delete;

 private:
  friend void claim_phase_time(const std::string&, double);
  const char* phase_;
  PhaseScope* parent_ = nullptr;
  std::chrono::steady_clock::time_point start_;
  double children_ = 0;
  uint64_t faults_start_ = 0, children_faults_ = 0;
  bool on_ = false;
};

}  // namespace kda
