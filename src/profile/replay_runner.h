// replay_runner: a Runner (ncu_runner.h) that stands in for Nsight Compute by serving the pages
// a real ncu exported earlier, so that everything around the profiler — preparing the target,
// the ncu command line, the export, the analysis, the loop's evidence — runs end to end on a
// machine without a GPU (CI, `kda run --profile replay:DIR`, `kda profile run --replay DIR`).
//
// Contract: every program "exists". A profiling command (`ncu ... -o BASE PROGRAM...`) runs
// nothing: it writes BASE.ncu-rep (a note naming DIR) and answers with ncu's banner and the
// command line it was given. An export (`ncu --import REP --csv --page P ...`) answers with the
// recorded page of DIR: details.csv, raw.csv, raw_instances.csv (`--print-metric-instances`),
// source_<kernel>.csv and source_ptx_<kernel>.csv (the kernel read from the `-k regex:` filter
// export_pages writes); a page DIR lacks answers empty, as ncu does for a kernel without one.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "profile/ncu_runner.h"

namespace kda::profile {

class ReplayRunner : public Runner {
 public:
  explicit ReplayRunner(std::filesystem::path recorded);
  ProcessResult run(const ProcessSpec& spec) override;
  bool has_program(const std::string&) override { return true; }
  /// The command lines it was given, in order (tests check what kda asked ncu to do).
  const std::vector<std::vector<std::string>>& calls() const { return calls_; }

 private:
  std::filesystem::path dir_;
  std::vector<std::vector<std::string>> calls_;
};

}  // namespace kda::profile
