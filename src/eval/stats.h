// Summary statistics of timing samples and the stopping criterion of the timed phase
// (nvbench-style: at least `min_samples`, then stop when the relative standard deviation of the
// samples falls under the target, or when the time budget or sample cap is reached).
#pragma once

#include <vector>

namespace kda {

struct SampleStats {
  int n = 0;
  double median = 0, q1 = 0, q3 = 0, mean = 0, stdev = 0;
  double iqr() const { return q3 - q1; }
  double rel_stdev() const { return mean > 0 ? stdev / mean : 0; }
};

SampleStats summarize(std::vector<double> samples);

struct StopRule {
  int min_samples = 10;
  int max_samples = 200;
  double target_rel_stdev = 0.005;
  double budget_seconds = 2.0;
};

/// True when sampling may stop: enough samples and quiet enough, or out of budget/cap. Below
/// `min_samples` only when the samples (ms) alone add up to over 4x the budget.
bool should_stop(const StopRule& rule, const SampleStats& s, double elapsed_seconds);

/// Drops samples taken while the clock ran under `min_ratio` of the best clock seen (throttling);
/// ratios of 0 mean "unknown" and are kept. Returns how many were dropped.
int drop_throttled(std::vector<double>& ms, std::vector<double>& clock_ratios, double min_ratio = 0.9);

double geometric_mean(const std::vector<double>& v);

}  // namespace kda
