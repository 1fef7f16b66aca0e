// ncu_runner: everything that runs Nsight Compute, behind the Runner interface so tests use a
// fake. Contract: run_profile() wraps ncu around a command (`--set full --import-source yes`,
// optionally `--clock-control none`) into OUT/report.ncu-rep and then exports the CSV pages into
// OUT (details.csv, raw.csv, raw_instances.csv, source_<kernel>.csv, source_ptx_<kernel>.csv);
// export_pages() does the export alone for an existing .ncu-rep. A missing ncu, a permission
// error (ERR_NVGPUCTRPERM) or a failing ncu throws kda::Error with what to do.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/subprocess.h"

namespace kda::profile {

/// Side-effect boundary: runs a program (real: kda::run_process).
class Runner {
 public:
  virtual ~Runner() = default;
  virtual ProcessResult run(const ProcessSpec& spec) = 0;
  virtual bool has_program(const std::string& name) = 0;
};
/// The real one.
Runner& system_runner();

struct RunOptions {
  std::vector<std::string> command;  ///< program and arguments to profile
  std::filesystem::path out_dir;
  std::string ncu = "ncu";           ///< ncu executable (or $KDA_NCU)
  bool clock_control_none = false;   ///< --clock-control none (clocks cannot be locked)
  std::string kernel_regex;          ///< -k regex:... (empty: all kernels)
  int launch_count = 0;              ///< -c N (0: all launches)
  int timeout_s = 600;
  /// NVTX push/pop ranges whose kernels alone are profiled (`--nvtx --nvtx-include NAME/`): the
  /// runner wraps the candidate's calls in one, so its own kernels stay out. Empty: no filter.
  std::vector<std::string> nvtx_ranges;
  /// Kernels (short names) whose source pages are not exported: not the program's own code.
  std::vector<std::string> skip_kernels;
};

/// Profiles and exports; returns the files written.
std::vector<std::filesystem::path> run_profile(const RunOptions& opt, Runner& runner);
/// Exports the CSV pages of `rep` into `out_dir`.
std::vector<std::filesystem::path> export_pages(const std::filesystem::path& rep,
                                                const std::filesystem::path& out_dir,
                                                const std::string& ncu, Runner& runner,
                                                const std::vector<std::string>& skip_kernels = {});
/// Whether ncu's output says that nothing was profiled (a filter that matched no kernel).
bool nothing_profiled(const std::string& ncu_output);

}  // namespace kda::profile
