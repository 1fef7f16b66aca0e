#include "core/fs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "core/error.h"

namespace kda {
namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(ErrorKind::kNotFound, "cannot read " + path.string() + ": " +
                                   (fs::exists(path) ? "permission denied or not a file"
                                                     : "no such file"));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

static void write_all(int fd, std::string_view data, const fs::path& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(ErrorKind::kEnvironment, "cannot write " + path.string() + ": " + strerror(errno));
    done += static_cast<size_t>(n);
  }
}

void write_file_atomic(const fs::path& path, std::string_view data) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(ErrorKind::kEnvironment, "cannot create " + tmp.string() + ": " + strerror(errno));
  write_all(fd, data, tmp);
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    fail(ErrorKind::kEnvironment, "cannot rename into " + path.string() + ": " + strerror(errno));
}

void append_line_durable(const fs::path& path, std::string_view line) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) fail(ErrorKind::kEnvironment, "cannot open " + path.string() + ": " + strerror(errno));
  std::string buf(line);
  buf.push_back('\n');
  write_all(fd, buf, path);
  ::fsync(fd);
  ::close(fd);
}

fs::path make_temp_dir(std::string_view prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/" + std::string(prefix) + "-XXXXXX";
  if (!::mkdtemp(templ.data()))
    fail(ErrorKind::kEnvironment, "cannot create a temporary directory: " + std::string(strerror(errno)));
  return templ;
}

TempDir::TempDir(std::string_view prefix) : path_(make_temp_dir(prefix)) {}
TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path cache_dir() {
  fs::path dir;
  if (const char* d = std::getenv("KDA_CACHE_DIR"); d && *d) {
    dir = d;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    dir = fs::path(x) / "kda";
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    dir = fs::path(h) / ".cache" / "kda";
  } else {
    dir = "/tmp/kda-cache";
  }
  fs::create_directories(dir);
  return dir;
}

}  // namespace kda
