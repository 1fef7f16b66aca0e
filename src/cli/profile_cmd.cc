// kda profile analyze|diff|run: the profiler skill (DESIGN §5, docs/profile.md). A thin layer:
// all reading, diagnosis, rendering and ncu handling live in src/profile.
#include <cstdlib>
#include <memory>
#include <iostream>

#include "cli/commands.h"
#include "cli/ranges.h"
#include "core/error.h"
#include "core/fs.h"
#include "eval/profile_target.h"
#include "loop/candidate_profile.h"
#include "profile/diff.h"
#include "cli/profile_hip_cmd.h"
#include "profile/ncu_runner.h"
#include "profile/replay_runner.h"
#include "profile/render.h"
#include "profile/report.h"
#include "task/solution.h"
#include "task/task_dir.h"

namespace kda::cli {
namespace fs = std::filesystem;
namespace {

struct AnalyzeArgs {
  std::vector<std::string> inputs;
  bool json = false;
};
struct DiffArgs {
  std::string a, b, kernel_a, kernel_b;
  bool json = false;
};
struct RunArgs {
  std::vector<std::string> command;
  std::string task, solution, workload, backend = "cuda", arch;
  int calls = 3;
  std::string out = "kda-profile";
  std::string replay;  ///< serve these recorded pages instead of running ncu (CI, no GPU)
  std::string kernel;
  std::vector<std::string> nvtx;  ///< profile only kernels inside these NVTX push/pop ranges
  int launch_count = 0;
  int timeout = 600;
  bool clock_control_none = false;
  bool json = false;
};

std::string ncu_program() {
  const char* env = std::getenv("KDA_NCU");
  return env && *env ? env : "ncu";
}

void print(const Json& j) { std::cout << j.dump(2) << "\n"; }

}  // namespace

void add_profile_command(CLI::App& root) {
  auto* prof = root.add_subcommand("profile", "Diagnose kernels from Nsight Compute / rocprof reports");
  prof->require_subcommand(1);

  static AnalyzeArgs an;
  auto* a = prof->add_subcommand("analyze", "Ranked, evidenced findings per kernel from exported CSV pages");
  a->add_option("report", an.inputs, "directory of exported pages, CSV files, or a .ncu-rep")->required();
  a->add_flag("--json", an.json, "JSON (schema_version 1, docs/profile.md) instead of Markdown");
  a->callback([] {
    std::vector<fs::path> in(an.inputs.begin(), an.inputs.end());
    auto rep = profile::load_report(in);
    if (an.json) print(profile::to_json(rep));
    else std::cout << profile::to_markdown(rep);
  });

  static DiffArgs df;
  auto* d = prof->add_subcommand("diff", "Compare two reports kernel by kernel (what changed, findings resolved)");
  d->add_option("a", df.a, "before: directory or CSV file")->required();
  d->add_option("b", df.b, "after: directory or CSV file")->required();
  d->add_option("--kernel-a", df.kernel_a, "compare only this kernel of A (name without arguments)");
  d->add_option("--kernel-b", df.kernel_b, "compare only this kernel of B");
  d->add_flag("--json", df.json, "JSON instead of Markdown");
  d->callback([] {
    auto ra = profile::select_kernels(profile::load_report({df.a}), df.kernel_a);
    auto rb = profile::select_kernels(profile::load_report({df.b}), df.kernel_b);
    auto result = profile::diff_reports(ra, rb);
    if (df.json) print(profile::to_json(result));
    else std::cout << profile::to_markdown(result);
  });

  static RunArgs rn;
  auto* r = prof->add_subcommand("run", "Profile a command with ncu (--set full), export the pages, diagnose");
  r->add_option("--out", rn.out, "directory for report.ncu-rep, the CSV pages and the diagnosis");
  r->add_option("-k,--kernel", rn.kernel, "profile only kernels matching this regex");
  r->add_option("--nvtx-range", rn.nvtx, "profile only kernels inside this NVTX push/pop range (repeatable; -- COMMAND only)");
  r->add_option("-c,--launch-count", rn.launch_count, "profile at most N launches")->check(whole_in(0, 1000000));
  r->add_option("--timeout", rn.timeout, "seconds before ncu is stopped")->check(whole_in(1, 86400));
  r->add_flag("--clock-control-none", rn.clock_control_none,
              "pass --clock-control none (where clocks cannot be locked, or to see boost clocks)");
  r->add_flag("--json", rn.json, "print JSON instead of Markdown");
  r->add_option("--task", rn.task, "profile a solution of this task directory (instead of a command)");
  r->add_option("--solution", rn.solution, "with --task: the solution (JSON file or directory)");
  r->add_option("--workload", rn.workload, "with --task: a public workload uuid (default: the largest public one)");
  r->add_option("--backend", rn.backend, "cuda (Nsight Compute) or hip (rocprofv3, rocprof-compute)")->capture_default_str();
  r->add_option("--arch", rn.arch, "with --task: build target (default: from the device)");
  r->add_option("--calls", rn.calls, "with --task: calls of the candidate to run (cold caches each)")->capture_default_str()->check(whole_in(1, 1000));
  r->add_option("--replay", rn.replay,
                 "serve the Nsight Compute pages exported in this directory instead of running ncu "
                 "(everything else runs: for tests and machines without a GPU)");
  r->add_option("command", rn.command, "the program to profile and its arguments (after --)");
  r->callback([] {
    if (rn.task.empty() == rn.command.empty())
      throw Error(ErrorKind::kUsage, "give either --task DIR --solution PATH, or -- COMMAND [ARGS...]");
    if (rn.backend == "hip") {  // rocprofv3 / rocprof-compute: cli/profile_hip_cmd.h
      if (!rn.replay.empty()) throw Error(ErrorKind::kUsage, "--replay serves Nsight Compute pages; it has no hip form");
      run_hip_profile({.command = rn.command, .task = rn.task, .solution = rn.solution, .workload = rn.workload,
                       .arch = rn.arch, .calls = rn.calls, .out = rn.out, .kernel = rn.kernel, .timeout = rn.timeout,
                       .json = rn.json});
      return;
    }
    std::unique_ptr<profile::ReplayRunner> replay;
    if (!rn.replay.empty()) replay = std::make_unique<profile::ReplayRunner>(rn.replay);
    profile::Runner& runner = replay ? static_cast<profile::Runner&>(*replay) : profile::system_runner();
    auto print_report = [](const profile::Report& rep) {
      if (rn.json) print(profile::to_json(rep));
      else std::cout << profile::to_markdown(rep);
      for (const std::string& w : rep.warnings) std::cerr << "kda: warning: " << w << "\n";
      std::cerr << "kda: report and pages in " << rn.out << "/ (diagnosis.md, diagnosis.json)\n";
    };
    if (!rn.task.empty()) {
      if (rn.solution.empty()) throw Error(ErrorKind::kUsage, "--task needs --solution PATH");
      if (!rn.nvtx.empty())
        throw Error(ErrorKind::kUsage, "--nvtx-range is for -- COMMAND; with --task the runner's own kernels are left out by name");
      TaskDir task = load_task_dir(rn.task);
      Solution sol = load_solution(rn.solution);
      loop::CandidateProfileOptions po;
      po.target.backend = rn.backend;
      po.target.arch = rn.arch;
      po.target.workload = rn.workload;
      po.target.calls = rn.calls;
      po.ncu = ncu_program();
      po.clock_control_none = rn.clock_control_none;
      po.kernel_regex = rn.kernel;
      po.launch_count = rn.launch_count;
      po.timeout_s = rn.timeout;
      std::cerr << "kda: profiling " << sol.name << " in one kda-runner process, without the sandbox (Nsight Compute "
                << "injects itself into it); the runner's own kernels are left out\n";
      const loop::CandidateProfile p = loop::profile_candidate(task, sol, po, rn.out, runner);
      std::cerr << "kda: workload " << p.workload << ", " << p.report.kernels.size() << " kernel launch(es) of the candidate\n";
      print_report(p.report);
      return;
    }
    profile::RunOptions opt;
    opt.command = rn.command;
    opt.nvtx_ranges = rn.nvtx;
    opt.out_dir = rn.out;
    opt.ncu = ncu_program();
    opt.clock_control_none = rn.clock_control_none;
    opt.kernel_regex = rn.kernel;
    opt.launch_count = rn.launch_count;
    opt.timeout_s = rn.timeout;
    profile::run_profile(opt, runner);
    auto rep = profile::load_report({fs::path(rn.out)});
    write_file_atomic(fs::path(rn.out) / "diagnosis.json", profile::to_json(rep).dump(2) + "\n");
    write_file_atomic(fs::path(rn.out) / "diagnosis.md", profile::to_markdown(rep));
    print_report(rep);
  });
}

}  // namespace kda::cli
