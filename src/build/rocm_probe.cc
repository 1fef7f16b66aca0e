#include "build/rocm_probe.h"

#include <fstream>
#include <vector>

#include "core/subprocess.h"

namespace kda {
namespace fs = std::filesystem;

namespace {

// KFD's node properties file: one "key value" pair a line.
long long node_property(const fs::path& node, const std::string& want) {
  std::ifstream in(node / "properties");
  std::string key;
  long long value = 0;
  while (in >> key >> value)
    if (key == want) return value;
  return 0;
}

// GPU nodes in node order (CPU nodes have no SIMDs).
std::vector<fs::path> gpu_nodes(const fs::path& root) {
  std::vector<fs::path> out;
  for (int i = 0; i < 256; ++i) {
    const fs::path node = root / std::to_string(i);
    std::error_code ec;
    if (!fs::exists(node / "properties", ec)) break;
    if (node_property(node, "simd_count") > 0) out.push_back(node);
  }
  return out;
}

}  // namespace

std::string gfx_name(long long v) {
  if (v <= 0) return "";
  const long long major = v / 10000, minor = (v / 100) % 100, step = v % 100;
  const char* hex = "0123456789abcdefghijklmnopqrstuvwxyz";
  if (minor > 35 || step > 35) return "";
  return "gfx" + std::to_string(major) + hex[minor] + hex[step];
}

std::string detect_hip_arch(const fs::path& kfd_root) {
  for (const fs::path& node : gpu_nodes(kfd_root))
    if (std::string name = gfx_name(node_property(node, "gfx_target_version")); !name.empty()) return name;
  return "";
}

std::string hip_backend_missing(const fs::path& runner, const fs::path& kfd_root, const fs::path& kfd_device) {
  std::vector<std::string> missing;
  std::error_code ec;
  if (!fs::exists(kfd_device, ec))
    missing.push_back("a ROCm GPU (" + kfd_device.string() + " is absent: no amdgpu kernel driver with KFD)");
  else if (gpu_nodes(kfd_root).empty())
    missing.push_back("a ROCm GPU (the KFD topology at " + kfd_root.string() + " lists none)");
  if (!find_program("hipcc")) missing.push_back("hipcc (scripts/install-deps.sh installs Debian's)");
  // Beside the file the runner path resolves to: that is where kda-runner looks (/proc/self/exe).
  const fs::path real = fs::weakly_canonical(runner, ec);
  if (!fs::exists((ec ? runner : real).parent_path() / "kda-runner-hip", ec))
    missing.push_back("kda-runner-hip beside " + runner.string() + " (build kda with hipcc installed, -DKDA_HIP=ON)");
  std::string line;
  for (const std::string& m : missing) line += (line.empty() ? "" : "; ") + m;
  return line;
}

}  // namespace kda
