// The ABI between kda and its git plugin, kda-wiki-git.so (ingest_git.cc, linked with libgit2):
// ingest_git and verify_commits (ingest.h) load it on first use, so that `kda wiki search` and
// every other command start without libgit2 and its TLS/SSH libraries (core/plugin.h).
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/plugin.h"
#include "wiki/entry.h"
#include "wiki/ingest.h"

namespace kda::wiki {

/// Raised whenever the table or the types it passes change.
inline constexpr int kGitPluginAbi = 1;
inline constexpr const char* kGitPluginFile = "kda-wiki-git.so";
inline constexpr const char* kGitPluginSymbol = "kda_wiki_git_plugin";

/// The sizes of the types passed, folded into one number: a plugin from another build is refused
/// instead of reading a struct of another shape.
constexpr size_t git_plugin_layout() {
  return sizeof(IngestOptions) * 1000003 + sizeof(IngestStats) * 10007 + sizeof(Entry) * 101 + sizeof(Problem);
}

struct GitPlugin {
  int abi;
  size_t layout;
  void (*ingest)(const IngestOptions& opts, IngestStats& stats, PluginError& err);
  void (*verify)(const std::vector<Entry>& entries, const std::map<std::string, std::filesystem::path>& repos,
                 std::vector<Problem>& problems, PluginError& err);
};

}  // namespace kda::wiki

extern "C" const kda::wiki::GitPlugin* kda_wiki_git_plugin();
