#include "profile/rocprof_runner.h"

#include <algorithm>
#include <set>

#include "core/error.h"

namespace kda::profile {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> rocprofv3_argv(const RocprofOptions& opt) {
  std::vector<std::string> a = {opt.rocprofv3, "--kernel-trace", "--pmc"};
  a.insert(a.end(), opt.counters.begin(), opt.counters.end());
  a.insert(a.end(), {"-d", (opt.out_dir / "rocprofv3").string(), "-o", "kda", "--output-format", "csv"});
  if (!opt.kernel_regex.empty()) a.insert(a.end(), {"--kernel-include-regex", opt.kernel_regex});
  a.push_back("--");
  a.insert(a.end(), opt.command.begin(), opt.command.end());
  return a;
}

std::vector<std::string> compute_argv(const RocprofOptions& opt) {
  std::vector<std::string> a = {opt.rocprof_compute, "profile", "-n", "kda", "-p", (opt.out_dir / "rocprof-compute").string()};
  if (!opt.kernel_regex.empty()) a.insert(a.end(), {"-k", opt.kernel_regex});
  a.push_back("--");
  a.insert(a.end(), opt.command.begin(), opt.command.end());
  return a;
}

ProcessResult run_one(const std::vector<std::string>& argv, const RocprofOptions& opt, Runner& runner) {
  ProcessSpec spec;
  spec.argv = argv;
  spec.timeout = std::chrono::seconds(opt.timeout_s);
  return runner.run(spec);
}

std::string tail_of(const ProcessResult& r) {
  std::string t = r.err.empty() ? r.out : r.err;
  return t.size() > 2000 ? t.substr(t.size() - 2000) : t;
}

// The name a table keeps in OUT: rocprofv3's "<prefix>_kernel_trace.csv" and
// "<prefix>_counter_collection.csv" lose their prefix; rocprof-compute's names are kept. Other
// files (agent_info, the ATT and sqlite outputs) are not tables the analyzer reads: "".
std::string kept_name(const std::string& n) {
  auto ends_with = [&](const std::string& s) { return n.size() >= s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0; };
  if (ends_with("kernel_trace.csv")) return "kernel_trace.csv";
  if (ends_with("counter_collection.csv")) return "counter_collection.csv";
  if (n == "pmc_perf.csv" || n == "sysinfo.csv" || n == "roofline.csv") return n;
  if (n.rfind("SQ_", 0) == 0 && n.find("LEVEL") != std::string::npos && ends_with(".csv")) return n;
  return "";
}

void collect(const fs::path& from, const fs::path& out, std::set<std::string>* seen, std::vector<fs::path>* copied) {
  std::error_code ec;
  if (!fs::is_directory(from, ec)) return;
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(from, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file()) files.push_back(it->path());
  std::sort(files.begin(), files.end());  // one process's tables; a second one of a name is left out
  for (const fs::path& f : files) {
    const std::string name = kept_name(f.filename().string());
    if (name.empty() || !seen->insert(name).second) continue;
    fs::copy_file(f, out / name, fs::copy_options::overwrite_existing);
    copied->push_back(out / name);
  }
}

}  // namespace

std::vector<std::vector<std::string>> rocprof_commands(const RocprofOptions& opt, bool with_compute) {
  std::vector<std::vector<std::string>> cmds = {rocprofv3_argv(opt)};
  if (with_compute) cmds.push_back(compute_argv(opt));
  return cmds;
}

std::vector<fs::path> run_rocprof(const RocprofOptions& opt, Runner& runner, std::vector<std::string>* warnings) {
  if (opt.command.empty()) fail(ErrorKind::kUsage, "kda profile run --backend hip: no command to profile");
  if (!runner.has_program(opt.rocprofv3))
    fail(ErrorKind::kEnvironment, opt.rocprofv3 + " was not found: install ROCm's rocprofiler-sdk (ROCm 6.2 or later; "
                                                  "Debian 12 does not package it) or set KDA_ROCPROFV3 to its path");
  fs::create_directories(opt.out_dir);
  const bool with_compute = !opt.rocprof_compute.empty() && runner.has_program(opt.rocprof_compute);
  const auto cmds = rocprof_commands(opt, with_compute);
  ProcessResult r = run_one(cmds[0], opt, runner);
  if (r.timed_out) fail(ErrorKind::kEnvironment, "rocprofv3 was stopped after " + std::to_string(opt.timeout_s) + " s");
  if (!r.ok()) fail(ErrorKind::kEnvironment, "rocprofv3 failed (" + r.describe() + "):\n" + tail_of(r));
  if (with_compute) {
    ProcessResult c = run_one(cmds[1], opt, runner);
    if (!c.ok()) warnings->push_back("rocprof-compute failed (" + c.describe() + "); the report has rocprofv3's counters only");
  }
  // One tool's tables, never both: the two runs number their dispatches differently (rocprof-compute
  // from 0, rocprofv3 from 1), so rows of "the same" dispatch id would be merged across kernels.
  // rocprof-compute's, where it wrote its counters, for their many passes and the device's roofs.
  std::set<std::string> seen;
  std::vector<fs::path> copied;
  collect(opt.out_dir / "rocprof-compute", opt.out_dir, &seen, &copied);
  if (!seen.count("pmc_perf.csv")) {
    for (const fs::path& f : copied) fs::remove(f);
    seen.clear();
    copied.clear();
    collect(opt.out_dir / "rocprofv3", opt.out_dir, &seen, &copied);
    // The counter table names the process and the trace does not, so the reader would key one
    // dispatch two ways: the trace is kept only where no counters were written.
    if (seen.count("counter_collection.csv") && seen.count("kernel_trace.csv")) {
      fs::remove(opt.out_dir / "kernel_trace.csv");
      copied.erase(std::remove(copied.begin(), copied.end(), opt.out_dir / "kernel_trace.csv"), copied.end());
    }
  }
  if (copied.empty())
    fail(ErrorKind::kEnvironment, "rocprofv3 ran but wrote no CSV table under " + (opt.out_dir / "rocprofv3").string() +
                                      " (did the program launch any kernel? does --kernel-include-regex match?)");
  return copied;
}

}  // namespace kda::profile
