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

// A write that fails for lack of space is the environment's doing (exit 6) and says what to
// free; `intact` says what became of the file, so that nobody is told to move an intact store.
[[noreturn]] static void write_failed(const fs::path& path, int err, const std::string& intact) {
  if (err == ENOSPC || err == EDQUOT || err == EFBIG)
    fail(ErrorKind::kEnvironment, "cannot write " + path.string() + ": " + strerror(err) + "; free space on the filesystem "
                                  "holding " + path.parent_path().string() + " (or raise its quota or file-size limit) and "
                                  "run the command again. " + intact);
  fail(ErrorKind::kEnvironment, "cannot write " + path.string() + ": " + strerror(err) + ". " + intact);
}

static void create_parent(const fs::path& path) {
  if (!path.has_parent_path()) return;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) write_failed(path, ec.value(), "Nothing was written.");
}

// Returns 0 when everything was written, else the errno of the failed write.
static int write_all(int fd, std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    done += static_cast<size_t>(n);
  }
  return 0;
}

void write_file_atomic(const fs::path& path, std::string_view data) {
  create_parent(path);
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  const std::string intact = path.filename().string() + " is as it was.";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) write_failed(tmp, errno, intact);
  int err = write_all(fd, data);
  if (!err && ::fsync(fd) != 0) err = errno;
  ::close(fd);
  if (err) {
    ::unlink(tmp.c_str());  // a half-written temporary would only take more space
    write_failed(path, err, intact);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    write_failed(path, err, intact);
  }
}

void append_line_durable(const fs::path& path, std::string_view line) {
  create_parent(path);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) write_failed(path, errno, "Nothing was appended.");
  const off_t before = ::lseek(fd, 0, SEEK_END);
  std::string buf(line);
  buf.push_back('\n');
  int err = write_all(fd, buf);
  if (!err && ::fsync(fd) != 0) err = errno;
  if (err) {
    // A partial line would be a torn record; cut it off so that the file is as it was.
    bool cut = before >= 0 && ::ftruncate(fd, before) == 0 && ::fsync(fd) == 0;
    ::close(fd);
    write_failed(path, err, cut ? "Nothing was appended: " + path.filename().string() + " is as it was."
                                : "A partial line may remain at its end ('kda audit verify' names it).");
  }
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
