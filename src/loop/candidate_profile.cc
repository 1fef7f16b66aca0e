#include "loop/candidate_profile.h"

#include <chrono>

#include "core/fs.h"
#include "profile/ncu_runner.h"
#include "profile/render.h"
#include "profile/report.h"

namespace kda::loop {
namespace fs = std::filesystem;

CandidateProfile profile_candidate(const TaskDir& task, const Solution& solution, const CandidateProfileOptions& opt,
                                   const fs::path& out, profile::Runner& runner) {
  const auto start = std::chrono::steady_clock::now();
  fs::create_directories(out);
  const ProfileTarget target = prepare_profile_target(task, solution, opt.target, out / "target");
  profile::RunOptions ro;
  ro.command = target.command;
  ro.out_dir = out;
  ro.ncu = opt.ncu;
  ro.clock_control_none = opt.clock_control_none;
  ro.kernel_regex = opt.kernel_regex;
  ro.launch_count = opt.launch_count;
  ro.timeout_s = opt.timeout_s;
  ro.skip_kernels = runner_own_kernels();
  profile::run_profile(ro, runner);
  CandidateProfile p;
  p.workload = target.workload;
  p.solution_hash = target.solution_hash;
  p.report = profile::load_report({out});
  profile::drop_kernels(p.report, runner_own_kernels());
  write_file_atomic(out / "diagnosis.json", profile::to_json(p.report).dump(2) + "\n");
  write_file_atomic(out / "diagnosis.md", profile::to_markdown(p.report));
  p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return p;
}

}  // namespace kda::loop
