// A recorded Nsight Compute export for the end-to-end tests of the profiler's path without a GPU
// (profile/replay_runner.h): real H100 pages (src/profile/testdata/h100, a copy of
// ../shared/fixtures/ncu/h100) cut down to what one candidate's profile looks like:
// - local_array (the longest launch: local-memory, dram-bound at 75 % of DRAM's peak),
//   copy_coalesced (dram-bound) and transpose_padded (small-problem): the candidate;
// - copy_strided's rows renamed to the runner's own flush sweep (kda::runner::read_sweep_kernel),
//   which the analysis must leave out by the runner's published names;
// - pages the analyzer cannot read: an empty raw_instances export, a PTX page and the sweep's
//   source page in no format ncu writes (what an H200 run met, issue 17).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/fs.h"

namespace kda::e2e {

inline std::filesystem::path h100_pages() {
  const auto in_repo = std::filesystem::path(KDA_SOURCE_DIR) / "src/profile/testdata/h100";
  if (std::filesystem::exists(in_repo / "labels.json")) return in_repo;
  return std::filesystem::path(KDA_SOURCE_DIR) / "../shared/fixtures/ncu/h100";
}

/// Writes the recorded export into `dir` (created) and returns it.
inline std::filesystem::path recorded_candidate_pages(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  const fs::path src = h100_pages();
  // The header lines (details: 1; raw: names and units), then the rows of the kept kernels.
  auto cut = [&](const std::string& name, size_t header_lines) {
    std::ifstream in(src / name);
    std::string line, out;
    for (size_t n = 0; std::getline(in, line); ++n) {
      if (n < header_lines || line.find("\"local_array(") != std::string::npos ||
          line.find("\"copy_coalesced(") != std::string::npos || line.find("\"transpose_padded(") != std::string::npos) {
        out += line + "\n";
      } else if (const size_t at = line.find("\"copy_strided("); at != std::string::npos) {
        line.replace(at + 1, 12, "kda::runner::read_sweep_kernel");
        out += line + "\n";
      }
    }
    write_file_atomic(dir / name, out);
  };
  cut("details.csv", 1);
  cut("raw.csv", 2);
  write_file_atomic(dir / "raw_instances.csv", "");
  fs::copy_file(src / "source_copy_coalesced.csv", dir / "source_copy_coalesced.csv", fs::copy_options::overwrite_existing);
  for (const char* k : {"local_array", "transpose_padded"})
    fs::copy_file(src / (std::string("source_") + k + ".csv"), dir / (std::string("source_") + k + ".csv"),
                  fs::copy_options::overwrite_existing);
  write_file_atomic(dir / "source_ptx_copy_coalesced.csv", "\"Kernel\",\"Note\"\n\"copy_coalesced\",\"no PTX recorded\"\n");
  write_file_atomic(dir / "source_read_sweep_kernel.csv", "\"Kernel\",\"Note\"\n\"read_sweep_kernel\",\"not the candidate's\"\n");
  return dir;
}

}  // namespace kda::e2e
