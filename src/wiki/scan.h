// The freshness scan of a wiki directory: how many entry files it holds and the newest
// modification time among them, read with the selection rules of entry_files() (entry.h) and one
// stat per file. Every search runs it before trusting the index (docs/wiki.md), so it is built
// for speed: directories are read with getdents through open directory descriptors, files are
// stat'ed relative to their directory, and a large wiki is stat'ed by two threads (at 5,500
// entries, std::filesystem's walk took 35 ms and two stats per file; this takes 8-16 ms on the
// 2-core VM, docs/results.md).
#pragma once

#include <ctime>
#include <filesystem>

namespace kda::wiki {

struct EntryScan {
  size_t files = 0;        ///< entry files, as entry_files() would count them
  timespec newest{0, 0};   ///< latest modification time among them (symbolic links followed)
  /// False when something could not be read (a directory, a file's status): then the counts may
  /// differ from entry_files(), and the caller must not conclude "fresh" from them.
  bool complete = true;
};

/// Throws kda::Error(kNotFound) when dir is not a directory.
EntryScan scan_entry_files(const std::filesystem::path& dir);

}  // namespace kda::wiki
