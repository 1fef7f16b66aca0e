// Control groups for runner caps (see limit_group.h): v2 where the hierarchy delegates pids (and
// memory) to kda's own group, else the v1 pids and memory hierarchies.
#include "sandbox/limit_group.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace kda {
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool write_text(const fs::path& p, const std::string& s) {
  std::ofstream out(p);
  out << s;
  out.flush();
  return static_cast<bool>(out);
}

// The value after `key` in a "key value" file (pids.events, memory.events, memory.oom_control).
long keyed(const fs::path& file, const std::string& key) {
  std::istringstream in(read_text(file));
  std::string k;
  long v = 0;
  while (in >> k >> v)
    if (k == key) return v;
  return 0;
}

// This process's group in each hierarchy: "" for v2, else the v1 controller list, -> path.
std::vector<std::pair<std::string, std::string>> own_groups() {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(read_text("/proc/self/cgroup"));
  for (std::string line; std::getline(in, line);) {
    auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    out.push_back({line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return out;
}

bool has_word(const std::string& list, const std::string& word) {
  std::istringstream in(list);
  for (std::string w; in >> w;)
    if (w == word) return true;
  return false;
}

std::string fresh_name() {
  static std::atomic<int> n{0};
  return "kda-runner-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
}

}  // namespace

RunnerLimits default_runner_limits() {
  RunnerLimits l;
  l.max_tasks = std::max<uint64_t>(512, 4 * std::max(1u, std::thread::hardware_concurrency()));
  long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0) l.memory_bytes = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 2;
  l.scratch_bytes = 1ull << 30;
  return l;
}

std::unique_ptr<LimitGroup> LimitGroup::create(const RunnerLimits& limits, std::string* why_not) {
  std::unique_ptr<LimitGroup> g(new LimitGroup());
  g->limits_ = limits;
  const std::string name = fresh_name();
  std::error_code ec;
  for (auto& [controllers, path] : own_groups()) {
    if (!controllers.empty() || !fs::exists("/sys/fs/cgroup/cgroup.controllers")) continue;
    fs::path base = fs::path("/sys/fs/cgroup") / fs::path(path).relative_path();
    std::string delegated = read_text(base / "cgroup.subtree_control");
    if (!has_word(delegated, "pids")) break;
    fs::path dir = base / name;
    if (!fs::create_directory(dir, ec)) break;
    g->v2_ = true;
    g->pids_dir_ = dir.string();
    write_text(dir / "pids.max", std::to_string(limits.max_tasks));
    if (has_word(delegated, "memory") && limits.memory_bytes) {
      g->memory_dir_ = dir.string();
      write_text(dir / "memory.max", std::to_string(limits.memory_bytes));
      write_text(dir / "memory.swap.max", "0");
    }
    g->join_ = {(dir / "cgroup.procs").string()};
    return g;
  }
  for (auto& [controllers, path] : own_groups()) {
    bool pids = controllers == "pids";
    bool memory = controllers == "memory";
    if (!pids && !(memory && limits.memory_bytes)) continue;
    fs::path dir = fs::path("/sys/fs/cgroup") / controllers / fs::path(path).relative_path() / name;
    if (!fs::create_directory(dir, ec)) continue;
    if (pids) {
      if (!write_text(dir / "pids.max", std::to_string(limits.max_tasks))) {
        fs::remove(dir, ec);
        continue;
      }
      g->pids_dir_ = dir.string();
    } else {
      if (!write_text(dir / "memory.limit_in_bytes", std::to_string(limits.memory_bytes))) {
        fs::remove(dir, ec);
        continue;
      }
      g->memory_dir_ = dir.string();
    }
    g->join_.push_back((dir / "cgroup.procs").string());
  }
  if (g->pids_dir_.empty()) {
    if (why_not)
      *why_not = "no writable cgroup with the pids controller (cgroup v2 delegation or the v1 pids hierarchy): "
                 "threads are counted after each request instead of capped";
    return nullptr;  // the destructor removes a memory group made on its own
  }
  return g;
}

LimitGroup::~LimitGroup() {
  std::vector<std::string> dirs = {pids_dir_};
  if (!memory_dir_.empty() && memory_dir_ != pids_dir_) dirs.push_back(memory_dir_);
  for (const std::string& d : dirs) {
    if (d.empty()) continue;
    if (v2_) write_text(fs::path(d) / "cgroup.kill", "1");
    // Only the runner's own tasks are in here (the group was made for it).
    std::istringstream in(read_text(fs::path(d) / "cgroup.procs"));
    for (long pid; in >> pid;)
      if (pid > 0) ::kill(static_cast<pid_t>(pid), SIGKILL);
    for (int i = 0; i < 100 && ::rmdir(d.c_str()) != 0 && errno == EBUSY; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string LimitGroup::exceeded() const {
  if (!memory_dir_.empty()) {
    long oom = v2_ ? keyed(fs::path(memory_dir_) / "memory.events", "oom_kill")
                   : keyed(fs::path(memory_dir_) / "memory.oom_control", "oom_kill");
    if (oom > 0) return "memory_limit";
  }
  if (!pids_dir_.empty() && keyed(fs::path(pids_dir_) / "pids.events", "max") > 0) return "thread_limit";
  return "";
}

std::string LimitGroup::describe(const std::string& reason_code) const {
  if (reason_code == "memory_limit")
    return "the runner exceeded its memory limit of " + std::to_string(limits_.memory_bytes >> 20) + " MiB";
  return "the runner exceeded its limit of " + std::to_string(limits_.max_tasks) + " threads and processes";
}

std::string join_limit_group(const std::vector<std::string>& join_files) {
  for (const std::string& f : join_files)
    if (!write_text(f, "0")) return "cannot join " + f + ": " + strerror(errno);
  return "";
}

long thread_count(int pid) {
  std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Threads:", 0) == 0) return std::strtol(line.c_str() + 8, nullptr, 10);
  return -1;
}

uint64_t directory_bytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code e2;
    if (it->symlink_status(e2).type() == fs::file_type::regular) total += it->file_size(e2);
  }
  return total;
}

}  // namespace kda
