#include "build/publish.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

#include "build/diagnostics.h"
#include "core/fs.h"

namespace kda::build_detail {
namespace fs = std::filesystem;

std::string strip_prefix(std::string s, const fs::path& dir) {
  const std::string prefix = dir.string() + "/";
  for (size_t p; (p = s.find(prefix)) != std::string::npos;) s.erase(p, prefix.size());
  return s;
}

std::string readable_log(const std::string& output, const std::vector<fs::path>& strip_dirs,
                         const std::vector<std::string>& own, const std::vector<std::string>& public_dirs, bool keep_tail) {
  std::string log = output;
  for (const fs::path& d : strip_dirs) log = strip_prefix(log, d);
  log = scrub_diagnostics(log, own, public_dirs);
  const size_t kMax = 4000;
  if (log.size() <= kMax) return log;
  return keep_tail ? "[... diagnostics truncated]\n" + log.substr(log.size() - kMax)
                   : log.substr(0, kMax) + "\n[... diagnostics truncated]";
}

namespace {

// <key>.tmp.<pid>-<n>: the pid tells remove_stale_temporaries whether its writer still lives, the
// counter keeps two threads of one process apart.
fs::path temporary_for(const fs::path& root, const std::string& key) {
  static std::atomic<unsigned> counter{0};
  return root / (key + ".tmp." + std::to_string(::getpid()) + "-" + std::to_string(counter++));
}

}  // namespace

bool publish_build(const fs::path& root, const std::string& key, const std::vector<std::pair<fs::path, std::string>>& files,
                   const std::string& log, const std::string& toolchain) {
  const fs::path dir = root / key;
  const fs::path tmp = temporary_for(root, key);
  fs::create_directories(tmp);
  for (const auto& [from, name] : files) fs::copy_file(from, tmp / name, fs::copy_options::overwrite_existing);
  write_file_atomic(tmp / "build.log", log);
  write_file_atomic(tmp / "ok", toolchain + "\n");
  std::error_code ec;
  fs::rename(tmp, dir, ec);
  if (ec) fs::remove_all(tmp, ec);  // another publisher of the same key was first
  return fs::exists(dir / "ok");
}

void remove_stale_temporaries(const fs::path& root) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const auto pos = name.find(".tmp.");
    if (pos == std::string::npos) continue;
    char* end = nullptr;
    const long pid = std::strtol(name.c_str() + pos + 5, &end, 10);
    if (pid <= 0 || !end || (*end && *end != '-')) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) continue;  // still building
    std::error_code rm;
    fs::remove_all(it->path(), rm);
  }
}

}  // namespace kda::build_detail
