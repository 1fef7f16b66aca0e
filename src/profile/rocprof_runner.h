// rocprof_runner: `kda profile run --backend hip`, everything that runs AMD's profilers, behind
// the same Runner interface as ncu_runner.h so tests use a fake. Contract: run_rocprof() runs
//   1. rocprofv3 --kernel-trace --pmc COUNTERS (one pass) -d OUT/rocprofv3 -o kda
//      --output-format csv [--kernel-include-regex R] -- COMMAND, which writes
//      kda_kernel_trace.csv and kda_counter_collection.csv (under OUT/rocprofv3, at any depth);
//   2. where rocprof-compute is installed, rocprof-compute profile -n kda -p OUT/rocprof-compute
//      [-k R] -- COMMAND (its pmc_perf.csv, SQ_*LEVEL*.csv passes, sysinfo.csv, roofline.csv);
// then copies one tool's CSV tables into OUT: rocprof-compute's where it wrote pmc_perf.csv
// (pmc_perf.csv, the SQ_*LEVEL*.csv passes, sysinfo.csv, roofline.csv), else rocprofv3's
// (counter_collection.csv, or kernel_trace.csv where no counters came); never both tools', since
// the two runs number dispatches differently. `kda profile analyze FILES...` reads what run_rocprof returns. A missing
// rocprofv3 or a failing profile throws kda::Error (kEnvironment) with what to do; a failing
// rocprof-compute is a warning.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "profile/ncu_runner.h"

namespace kda::profile {

struct RocprofOptions {
  std::vector<std::string> command;  ///< program and arguments to profile
  std::filesystem::path out_dir;
  std::string rocprofv3 = "rocprofv3";            ///< or $KDA_ROCPROFV3
  std::string rocprof_compute = "rocprof-compute";  ///< or $KDA_ROCPROF_COMPUTE; "" never runs it
  /// One pass of counters the AMD reader (rocprof.h) turns into quantities: busy cycles, VALU
  /// activity and thread utilisation, MFMA busy, waves.
  std::vector<std::string> counters = {"GRBM_GUI_ACTIVE", "SQ_WAVES", "SQ_BUSY_CU_CYCLES", "SQ_ACTIVE_INST_VALU",
                                       "SQ_THREAD_CYCLES_VALU", "SQ_VALU_MFMA_BUSY_CYCLES"};
  std::string kernel_regex;  ///< only kernels matching (empty: all)
  int timeout_s = 600;       ///< each profiler run is stopped after this
};

/// The command lines run_rocprof runs, in order; rocprof-compute's only when `with_compute`.
std::vector<std::vector<std::string>> rocprof_commands(const RocprofOptions& opt, bool with_compute);

/// Profiles, then copies the tables into out_dir; returns the files copied there (the input of
/// load_report). `warnings`
/// receives what went wrong in the optional rocprof-compute step.
std::vector<std::filesystem::path> run_rocprof(const RocprofOptions& opt, Runner& runner, std::vector<std::string>* warnings);

}  // namespace kda::profile
