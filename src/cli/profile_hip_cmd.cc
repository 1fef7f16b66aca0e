// kda profile run --backend hip (cli/profile_hip_cmd.h). Never run against an AMD GPU: the
// command lines and the reading of real rocprof-compute output are tested (RocprofRunner.*).
#include "cli/profile_hip_cmd.h"

#include <cstdlib>
#include <iostream>

#include "build/rocm_probe.h"
#include "core/error.h"
#include "core/fs.h"
#include "eval/judge.h"
#include "eval/profile_target.h"
#include "profile/render.h"
#include "profile/report.h"
#include "profile/rocprof_runner.h"
#include "task/solution.h"
#include "task/task_dir.h"

namespace kda::cli {
namespace fs = std::filesystem;

namespace {

std::string program(const char* env, const char* fallback) {
  const char* v = std::getenv(env);
  return v && *v ? v : fallback;
}

}  // namespace

void run_hip_profile(const HipProfileArgs& a) {
  profile::RocprofOptions opt;
  opt.out_dir = a.out;
  opt.rocprofv3 = program("KDA_ROCPROFV3", "rocprofv3");
  opt.rocprof_compute = program("KDA_ROCPROF_COMPUTE", "rocprof-compute");
  opt.kernel_regex = a.kernel;
  opt.timeout_s = a.timeout;
  opt.command = a.command;
  std::string workload;
  if (!a.task.empty()) {
    if (a.solution.empty()) fail(ErrorKind::kUsage, "--task needs --solution PATH");
    const fs::path runner = locate_runner({});
    if (std::string missing = hip_backend_missing(runner); !missing.empty())
      fail(ErrorKind::kEnvironment, "--backend hip needs what this machine lacks: " + missing);
    TaskDir task = load_task_dir(a.task);
    Solution sol = load_solution(a.solution);
    ProfileTargetOptions to;
    to.backend = "hip";
    to.arch = a.arch;
    to.workload = a.workload;
    to.calls = a.calls;
    to.runner_exe = runner;
    ProfileTarget target = prepare_profile_target(task, sol, to, fs::path(a.out) / "target");
    opt.command = target.command;
    workload = target.workload;
    std::cerr << "kda: profiling " << sol.name << " on workload " << workload
              << " in one kda-runner process, without the sandbox (the profiler injects itself into it)\n";
  }
  std::vector<std::string> warnings;
  const std::vector<fs::path> tables = profile::run_rocprof(opt, profile::system_runner(), &warnings);
  profile::Report rep = profile::load_report(tables);
  if (!a.task.empty()) profile::drop_kernels(rep, runner_own_kernels());
  rep.warnings.insert(rep.warnings.end(), warnings.begin(), warnings.end());
  write_file_atomic(fs::path(a.out) / "diagnosis.json", profile::to_json(rep).dump(2) + "\n");
  write_file_atomic(fs::path(a.out) / "diagnosis.md", profile::to_markdown(rep));
  if (a.json) std::cout << profile::to_json(rep).dump(2) << "\n";
  else std::cout << profile::to_markdown(rep);
  for (const std::string& w : rep.warnings) std::cerr << "kda: warning: " << w << "\n";
  std::cerr << "kda: report and tables in " << a.out << "/ (diagnosis.md, diagnosis.json)\n";
}

}  // namespace kda::cli
