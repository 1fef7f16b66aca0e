// What both builders do after the confined compile (builder.cc for g++/nvcc/hipcc, python_build.cc
// for torch extensions): turn the compiler's output into a log an agent may read, and publish the
// artefacts into the build cache so that no reader ever sees half a build.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace kda::build_detail {

/// `s` without every occurrence of "DIR/": the throwaway staging and source directories mean
/// nothing to the reader.
std::string strip_prefix(std::string s, const std::filesystem::path& dir);

/// The compiler's output as an agent may see it: `strip_dirs` removed from paths, every
/// diagnostic located outside the solution's own files (`own`, relative) and the public toolchain
/// directories hidden (diagnostics.h), cut to 4,000 characters, from the start or (`keep_tail`,
/// for drivers such as torch's that print the error last) from the end.
std::string readable_log(const std::string& output, const std::vector<std::filesystem::path>& strip_dirs,
                         const std::vector<std::string>& own, const std::vector<std::string>& public_dirs,
                         bool keep_tail = false);

/// Publishes a build as ROOT/KEY: `files` (path on disk, name in the build) plus build.log and
/// ok (whose text is the toolchain), copied into a temporary directory of ROOT that is then
/// renamed. Only ROOT/KEY/ok marks a build, so a reader never sees half of one. When another
/// process or thread publishes the same key first, that build stands and this copy is removed.
/// True when ROOT/KEY/ok exists afterwards.
bool publish_build(const std::filesystem::path& root, const std::string& key,
                   const std::vector<std::pair<std::filesystem::path, std::string>>& files, const std::string& log,
                   const std::string& toolchain);

/// Removes the temporary directories of publishes whose process is gone (a build that died
/// half-way): never mistaken for builds, but they take space.
void remove_stale_temporaries(const std::filesystem::path& root);

}  // namespace kda::build_detail
