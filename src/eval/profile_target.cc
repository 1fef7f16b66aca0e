#include "eval/profile_target.h"

#include <fcntl.h>
#include <unistd.h>

#include <random>

#include "build/builder.h"
#include "core/error.h"
#include "eval/judge.h"
#include "eval/protocol.h"
#include "eval/runner_client.h"
#include "task/inputs.h"

namespace kda {
namespace fs = std::filesystem;
namespace {

// The product of the axis values: a size measure that needs no allocation.
double problem_size(const Workload& w) {
  double size = 1;
  for (auto& [axis, value] : w.axes) size *= static_cast<double>(value);
  return size;
}

const Workload& choose_workload(const TaskDir& task, const std::string& uuid) {
  if (!uuid.empty()) {
    for (const Workload& w : task.workloads) {
      if (w.uuid != uuid) continue;
      if (w.split == Split::kHidden)
        fail(ErrorKind::kInput, "workload " + uuid + " is hidden; profiles are shown to agents, so only public workloads can be profiled");
      return w;
    }
    fail(ErrorKind::kNotFound, "no workload " + uuid + " in " + (task.root / "workloads.jsonl").string());
  }
  return representative_workload(task);
}

void write_requests(const fs::path& file, const std::vector<wire::Frame>& frames) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail(ErrorKind::kEnvironment, "cannot write " + file.string());
  try {
    for (const wire::Frame& f : frames) wire::write_frame(fd, f);
  } catch (const wire::WireError& e) {
    ::close(fd);
    fail(ErrorKind::kEnvironment, "cannot write " + file.string() + ": " + e.message);
  }
  ::close(fd);
}

}  // namespace

const std::vector<std::string>& runner_own_kernels() {
  static const std::vector<std::string> names = {"kda_launch_gate", "read_sweep_kernel", "fma_probe_kernel", "kda_input_hash"};
  return names;
}

const Workload& representative_workload(const TaskDir& task) {
  const Workload* best = nullptr;
  for (const Workload* w : task.select("public"))
    if (!best || problem_size(*w) > problem_size(*best)) best = w;
  if (!best) fail(ErrorKind::kInput, "the task has no public workload to profile");
  return *best;
}

ProfileTarget prepare_profile_target(const TaskDir& task, const Solution& solution,
                                     const ProfileTargetOptions& opt, const fs::path& work_dir) {
  if (opt.calls < 1) fail(ErrorKind::kUsage, "--calls must be at least 1");
  const Workload& w = choose_workload(task, opt.workload);
  BuildOptions bo;
  bo.backend = opt.backend;
  bo.arch = opt.arch;
  BuildResult b = build_solution(solution, bo);
  if (!b.ok) fail(ErrorKind::kInput, "solution " + solution.name + " does not build:\n" + b.log);

  // A fresh seed: the profile shows the kernel on representative data, not on data a candidate
  // could have been tuned against.
  std::random_device rd;
  uint64_t seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  std::vector<wire::Frame> frames;
  auto outs = make_output_tensors(task.definition, w);
  for (int i = 0; i < opt.calls; ++i) {
    wire::Frame f = make_run_request({generate_inputs(task.definition, w, seed, static_cast<uint64_t>(i), task.root)},
                                     outs, /*flush=*/false, /*late_write_check_ms=*/0);
    f.seq = static_cast<uint32_t>(i + 1);
    frames.push_back(std::move(f));
  }
  wire::Frame bye;
  bye.type = wire::Type::kBye;
  bye.json = Json::object();
  bye.seq = static_cast<uint32_t>(opt.calls + 1);
  frames.push_back(bye);
  fs::create_directories(work_dir);
  fs::path requests = work_dir / "requests.kdaw";
  write_requests(requests, frames);

  ProfileTarget t;
  t.workload = w.uuid;
  t.solution_hash = solution.content_hash();
  t.library = b.library;
  t.command = {locate_runner(opt.runner_exe).string(), "--backend", opt.backend, "--library", b.library.string(),
               "--entry", b.entry_symbol, "--no-sandbox", "--requests", requests.string(),
               "--responses", (work_dir / "responses.kdaw").string()};
  return t;
}

}  // namespace kda
