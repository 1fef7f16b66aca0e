// kda-runner's HIP backend: the process becomes kda-runner-hip. The HIP runner is a separate
// executable (built with KDA_HIP, from the same sources compiled against the HIP runtime) so that
// a missing ROCm toolchain never breaks the CPU/CUDA build, and so that kda-runner never loads
// libamdhip64. The judge starts `kda-runner --backend hip ...` like any other backend; here,
// before any candidate code exists and before the sandbox, the same arguments are handed to
// kda-runner-hip beside this executable with execv: same pid (the judge's process group and
// limit cgroup still hold it), same fds 3-5. It joins the cgroup again, which it is already in.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tools/runner/device.h"

namespace kda::runner {

namespace {

// This process's arguments, as the kernel keeps them (NUL-separated), so that main.cc need not
// hand argv down.
std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (size_t start = 0; start < all.size();) {
    size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    args.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return args;
}

}  // namespace

std::unique_ptr<Device> make_hip_device(int, std::string* error) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path hip = self.parent_path() / "kda-runner-hip";
  if (ec || !std::filesystem::exists(hip)) {
    *error = "this kda-runner has no HIP backend and there is no kda-runner-hip beside it "
             "(build kda with hipcc installed, -DKDA_HIP=ON)";
    return nullptr;
  }
  std::vector<std::string> args = own_arguments();
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (args.size() > 1) ::execv(hip.c_str(), argv.data());
  *error = "cannot start " + hip.string() + ": " + std::strerror(errno);
  return nullptr;
}

}  // namespace kda::runner
