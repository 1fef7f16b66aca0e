#include "wiki/scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "core/error.h"

namespace kda::wiki {
namespace {

// The name rules of entry_files(): a ".md" extension as std::filesystem sees it (".md" alone is a
// dot-file without one), not README.md, not starting with '_'.
bool entry_name(const char* name) {
  size_t n = std::strlen(name);
  if (n == 0 || name[0] == '_' || std::strcmp(name, "README.md") == 0) return false;
  const char* dot = std::strrchr(name, '.');
  return dot && dot != name && std::strcmp(dot, ".md") == 0;
}

bool later(const timespec& a, const timespec& b) {
  return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec > b.tv_nsec;
}

struct Candidate {
  int dir;  // index into the open directory descriptors
  std::string name;
};

// Stats candidates [begin, end): regular files (symbolic links followed) count.
EntryScan stat_range(const std::vector<int>& dirs, const std::vector<Candidate>& c, size_t begin, size_t end) {
  EntryScan s;
  for (size_t i = begin; i < end; ++i) {
    struct stat st;
    if (::fstatat(dirs[static_cast<size_t>(c[i].dir)], c[i].name.c_str(), &st, 0) != 0) {
      // A dangling link is skipped by entry_files() too; anything else is a reason to look closer.
      if (errno != ENOENT && errno != ELOOP) s.complete = false;
      continue;
    }
    if (!S_ISREG(st.st_mode)) continue;
    ++s.files;
    if (later(st.st_mtim, s.newest)) s.newest = st.st_mtim;
  }
  return s;
}

}  // namespace

EntryScan scan_entry_files(const std::filesystem::path& dir) {
  EntryScan out;
  int root = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) {
    if (errno == ENOENT || errno == ENOTDIR) fail(ErrorKind::kNotFound, "wiki directory " + dir.string() + " does not exist");
    out.complete = false;
    return out;
  }
  // Phase 1: the directory tree, read once; the files that could be entries are collected.
  std::vector<int> dirs = {root};
  std::vector<Candidate> cands;
  for (size_t next = 0; next < dirs.size(); ++next) {
    int dup = ::dup(dirs[next]);  // fdopendir takes its descriptor; ours stays open for phase 2
    DIR* d = dup < 0 ? nullptr : ::fdopendir(dup);
    if (!d) {
      if (dup >= 0) ::close(dup);
      out.complete = false;
      break;
    }
    while (dirent* e = ::readdir(d)) {
      const char* name = e->d_name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
      unsigned char type = e->d_type;
      if (type == DT_UNKNOWN) {  // file systems that do not fill d_type
        struct stat st;
        if (::fstatat(dirs[next], name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
          out.complete = false;
          continue;
        }
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : S_ISLNK(st.st_mode) ? DT_LNK : DT_FIFO;
      }
      if (type == DT_DIR) {
        if (name[0] == '.') continue;  // .index, .git: never entries
        int sub = ::openat(dirs[next], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) dirs.push_back(sub);
        else if (errno != EACCES) out.complete = false;  // unreadable ones are skipped, as entry_files() does
        continue;
      }
      if ((type == DT_REG || type == DT_LNK) && entry_name(name))
        cands.push_back({static_cast<int>(next), name});
    }
    ::closedir(d);
  }
  // Phase 2: one stat per candidate; two threads when there are many (the stats dominate).
  constexpr size_t kSplit = 1024;
  EntryScan a, b;
  if (cands.size() >= kSplit && std::thread::hardware_concurrency() > 1) {
    size_t half = cands.size() / 2;
    try {
      std::thread t([&] { b = stat_range(dirs, cands, half, cands.size()); });
      a = stat_range(dirs, cands, 0, half);
      t.join();
    } catch (const std::system_error&) {  // no thread to be had: do it all here
      a = stat_range(dirs, cands, 0, cands.size());
      b = EntryScan{};
    }
  } else {
    a = stat_range(dirs, cands, 0, cands.size());
  }
  for (int fd : dirs) ::close(fd);
  out.files = a.files + b.files;
  out.newest = later(b.newest, a.newest) ? b.newest : a.newest;
  out.complete = out.complete && a.complete && b.complete;
  return out;
}

}  // namespace kda::wiki
