#include "profile/ncu_runner.h"

#include <algorithm>
#include <set>

#include "core/error.h"
#include "core/fs.h"
#include "profile/csv.h"
#include "profile/details_page.h"
#include "profile/model.h"

namespace kda::profile {
namespace {

class SystemRunner : public Runner {
 public:
  ProcessResult run(const ProcessSpec& spec) override { return run_process(spec); }
  bool has_program(const std::string& name) override { return find_program(name).has_value(); }
};

void check_ncu(const std::string& ncu, Runner& runner) {
  if (!runner.has_program(ncu))
    fail(ErrorKind::kEnvironment,
         "Nsight Compute ('" + ncu + "') is not on PATH: install the CUDA toolkit's nsight-compute "
         "package or set KDA_NCU to the ncu executable (e.g. /usr/local/cuda/bin/ncu)");
}

// ncu exits non-zero, or prints ==ERROR== with exit 0 in some versions.
void check_result(const ProcessResult& r, const std::string& what) {
  const std::string all = r.out + r.err;
  if (all.find("ERR_NVGPUCTRPERM") != std::string::npos)
    fail(ErrorKind::kEnvironment,
         what + ": no permission to read GPU performance counters (ERR_NVGPUCTRPERM). Run as "
         "root (sudo ncu ...), or let all users profile: echo 'options nvidia "
         "NVreg_RestrictProfilingToAdminUsers=0' | sudo tee /etc/modprobe.d/nvidia-prof.conf and "
         "reload the driver (see https://developer.nvidia.com/ERR_NVGPUCTRPERM); in a container "
         "add --cap-add=SYS_ADMIN");
  if (r.timed_out) fail(ErrorKind::kEnvironment, what + ": " + r.describe());
  if (!r.ok() || all.find("==ERROR==") != std::string::npos) {
    std::string tail = all.size() > 1500 ? all.substr(all.size() - 1500) : all;
    fail(ErrorKind::kEnvironment, what + " failed (" + r.describe() + "):\n" + tail);
  }
}

ProcessResult export_page(const std::filesystem::path& rep, const std::vector<std::string>& extra,
                          const std::string& ncu, Runner& runner) {
  ProcessSpec spec;
  spec.argv = {ncu, "--import", rep.string(), "--csv"};
  spec.argv.insert(spec.argv.end(), extra.begin(), extra.end());
  spec.timeout = std::chrono::seconds(600);
  spec.max_output = 512u << 20;
  auto r = runner.run(spec);
  check_result(r, "ncu --import " + rep.filename().string());
  return r;
}

std::string sanitize(const std::string& s) {
  std::string o;
  for (char c : s) o.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_');
  return o;
}

}  // namespace

Runner& system_runner() {
  static SystemRunner r;
  return r;
}

bool nothing_profiled(const std::string& ncu_output) {
  return ncu_output.find("No kernels were profiled") != std::string::npos;
}

std::vector<std::filesystem::path> export_pages(const std::filesystem::path& rep,
                                                const std::filesystem::path& out,
                                                const std::string& ncu, Runner& runner,
                                                const std::vector<std::string>& skip) {
  check_ncu(ncu, runner);
  std::filesystem::create_directories(out);
  std::vector<std::filesystem::path> files;
  auto save = [&](const std::string& name, const std::string& text) {
    // ncu prints nothing for a page a kernel does not have (no PTX, no instances): no file.
    if (text.empty()) return;
    write_file_atomic(out / name, text);
    files.push_back(out / name);
  };
  auto details = export_page(rep, {"--page", "details"}, ncu, runner);
  save("details.csv", details.out);
  save("raw.csv", export_page(rep, {"--print-units", "base", "--page", "raw"}, ncu, runner).out);
  save("raw_instances.csv", export_page(rep, {"--print-units", "base", "--page", "raw",
                                              "--print-metric-instances", "values"}, ncu, runner).out);
  // One source page per distinct kernel (function) name.
  std::set<std::string> names;
  for (const auto& k : read_details_page(parse_csv(details.out, (out / "details.csv").string())))
    names.insert(k.short_name());
  for (const auto& n : names) {
    if (std::find(skip.begin(), skip.end(), n) != skip.end()) continue;
    // ncu matches -k against the base function name by default ("add_vec4"); also accept a
    // demangled full name in case --kernel-name-base differs.
    std::string filter = "regex:^(void )?" + n + "([(<].*)?$";
    save("source_" + sanitize(n) + ".csv",
         export_page(rep, {"--page", "source", "--print-source", "cuda,sass", "-k", filter}, ncu, runner).out);
    save("source_ptx_" + sanitize(n) + ".csv",
         export_page(rep, {"--page", "source", "--print-source", "ptx", "-k", filter}, ncu, runner).out);
  }
  return files;
}

std::vector<std::filesystem::path> run_profile(const RunOptions& opt, Runner& runner) {
  if (opt.command.empty()) fail(ErrorKind::kUsage, "kda profile run: give the command to profile after --");
  check_ncu(opt.ncu, runner);
  std::filesystem::create_directories(opt.out_dir);
  const auto rep = opt.out_dir / "report.ncu-rep";
  ProcessSpec spec;
  spec.argv = {opt.ncu, "--set", "full", "--import-source", "yes", "-f", "-o",
               (opt.out_dir / "report").string()};
  if (opt.clock_control_none) spec.argv.insert(spec.argv.end(), {"--clock-control", "none"});
  if (!opt.kernel_regex.empty()) spec.argv.insert(spec.argv.end(), {"-k", "regex:" + opt.kernel_regex});
  if (opt.launch_count > 0) spec.argv.insert(spec.argv.end(), {"-c", std::to_string(opt.launch_count)});
  if (!opt.nvtx_ranges.empty()) spec.argv.push_back("--nvtx");
  for (const std::string& range : opt.nvtx_ranges) spec.argv.insert(spec.argv.end(), {"--nvtx-include", range + "/"});
  spec.argv.insert(spec.argv.end(), opt.command.begin(), opt.command.end());
  spec.timeout = std::chrono::seconds(opt.timeout_s);
  auto r = runner.run(spec);
  write_file_atomic(opt.out_dir / "ncu.log", r.out + r.err);
  check_result(r, "ncu (profiling '" + opt.command.front() + "')");
  if (nothing_profiled(r.out + r.err))
    fail(ErrorKind::kInput, "ncu profiled no kernels: does the command launch CUDA kernels, and "
                            "does the -k filter match? (log: " + (opt.out_dir / "ncu.log").string() + ")");
  auto files = export_pages(rep, opt.out_dir, opt.ncu, runner, opt.skip_kernels);
  files.insert(files.begin(), rep);
  return files;
}

}  // namespace kda::profile
