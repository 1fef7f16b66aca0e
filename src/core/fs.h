// Filesystem helpers that never leave a half-written file behind.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace kda {

/// Whole file as bytes; throws kda::Error(kNotFound) naming the path when it cannot be read.
std::string read_file(const std::filesystem::path& path);

/// Writes to a temporary sibling, fsyncs, then renames over `path`: readers see the old
/// content or the new, never a torn file. Creates parent directories.
void write_file_atomic(const std::filesystem::path& path, std::string_view data);

/// Appends one line (adding '\n') and fsyncs; used for JSONL logs.
void append_line_durable(const std::filesystem::path& path, std::string_view line);

/// A fresh private directory under $TMPDIR (or /tmp) named prefix-XXXXXX.
std::filesystem::path make_temp_dir(std::string_view prefix);

/// Removes a directory tree on destruction (for scratch dirs and tests).
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "kda");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// $KDA_CACHE_DIR, else $XDG_CACHE_HOME/kda, else ~/.cache/kda (created on demand).
std::filesystem::path cache_dir();

}  // namespace kda
