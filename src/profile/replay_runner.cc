#include "profile/replay_runner.h"

#include <algorithm>

#include "core/error.h"
#include "core/fs.h"

namespace kda::profile {
namespace fs = std::filesystem;
namespace {

bool has(const std::vector<std::string>& argv, const std::string& word) {
  return std::find(argv.begin(), argv.end(), word) != argv.end();
}

std::string after(const std::vector<std::string>& argv, const std::string& flag) {
  auto it = std::find(argv.begin(), argv.end(), flag);
  return it == argv.end() || it + 1 == argv.end() ? std::string() : *(it + 1);
}

// export_pages filters a source page with -k "regex:^(void )?NAME([(<].*)?$": NAME back.
std::string kernel_of(const std::string& filter) {
  const std::string head = "regex:^(void )?", tail = "([(<].*)?$";
  if (filter.rfind(head, 0) != 0 || filter.size() < head.size() + tail.size()) return filter;
  return filter.substr(head.size(), filter.size() - head.size() - tail.size());
}

std::string page(const fs::path& file) { return fs::exists(file) ? read_file(file) : std::string(); }

}  // namespace

ReplayRunner::ReplayRunner(fs::path recorded) : dir_(std::move(recorded)) {
  if (!fs::is_directory(dir_) || !fs::exists(dir_ / "details.csv"))
    fail(ErrorKind::kNotFound, dir_.string() + ": no recorded Nsight Compute export here (details.csv is missing)");
}

ProcessResult ReplayRunner::run(const ProcessSpec& spec) {
  calls_.push_back(spec.argv);
  ProcessResult r;
  r.exit_code = 0;
  const auto& a = spec.argv;
  if (has(a, "--import")) {
    const std::string p = after(a, "--page");
    if (p == "details") r.out = page(dir_ / "details.csv");
    else if (p == "raw") r.out = page(dir_ / (has(a, "--print-metric-instances") ? "raw_instances.csv" : "raw.csv"));
    else if (p == "source") {
      const std::string k = kernel_of(after(a, "-k"));
      r.out = page(dir_ / ((after(a, "--print-source") == "ptx" ? "source_ptx_" : "source_") + k + ".csv"));
    }
    return r;
  }
  const std::string base = after(a, "-o");
  if (!base.empty()) write_file_atomic(base + ".ncu-rep", "kda replay of the Nsight Compute export in " + dir_.string() + "\n");
  std::string line;
  for (const std::string& w : a) line += (line.empty() ? "" : " ") + w;
  r.out = "==PROF== Replaying the recorded export in " + dir_.string() + " (no GPU was used)\n==PROF== Command: " + line + "\n";
  return r;
}

}  // namespace kda::profile
