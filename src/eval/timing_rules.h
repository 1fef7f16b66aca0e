// Two rules of the judge that are arithmetic, not procedure, kept apart so that they are tested
// on their own (docs/evaluator.md, "One workload, step by step" and "Limits"):
// - the candidate's call timeout, which follows from the baseline's first call;
// - the wall-clock cross-check: when the judge's own clock contradicts what the runner reported.
#pragma once

#include <chrono>
#include <string>

namespace kda {

/// "0.0123 ms": how the judge quotes a time in a reason.
std::string fmt_ms(double ms);

/// 2 s + 20 x the wall time of the baseline's first call on the same set (transfers and one-time
/// set-up included), never more than `cap` (--timeout) and never less than min(2 s, cap): a
/// candidate that hangs costs seconds per workload, an honest one 20x slower than the baseline
/// still has room.
std::chrono::milliseconds call_timeout_for(double baseline_first_call_wall_ms, std::chrono::milliseconds cap);

/// One wall-clock cross-check: `repeat` back-to-back calls timed by the judge from outside the
/// runner, minus the cheapest empty request, against the sum of the times the runner reported.
struct WallCheck {
  double judge_total = 0;     ///< ms, the judge's wall clock minus the empty request
  double reported_total = 0;  ///< ms, the sum the runner reported
  double empty = 0;           ///< ms, the cheapest empty request
  int repeat = 0;
  std::string retried = "not measured again";  ///< the last re-measurement, described
  /// The judge saw more than 1.5x what the runner reported plus slack per call and in all
  /// (CPU 0.01 ms and 10 ms; GPU 0.02 ms and 20 ms).
  bool contradicts(bool gpu) const;
  std::string describe() const;
};

}  // namespace kda
