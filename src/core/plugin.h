// Plugins: the parts of kda that need a large library (libgit2 for the wiki's git commands,
// libcurl for the OpenAI-compatible agent) are shared objects loaded on first use, so that every
// other kda process starts without mapping those libraries and the ~35 more they pull in (issue
// 18: `kda wiki search` spent most of its 128 ms in the dynamic loader). Each plugin exports one
// extern "C" function returning a table of entry points that carries an ABI number; the module
// that uses it declares that table (wiki/git_plugin.h, agents/http_plugin.h).
#pragma once

#include <string>

namespace kda {

/// The address of `symbol` in the plugin `file` ("kda-wiki-git.so"), loaded once per process
/// (RTLD_NOW | RTLD_LOCAL). Looked for in $KDA_PLUGIN_DIR when that is set (only there), else
/// beside the running program (/proc/self/exe: where the build and an install put kda and its
/// plugins), then in the build tree's bin/ (for test programs, which live elsewhere). Throws
/// kda::Error(kEnvironment) that names `needed_for`, the file and the places looked in when it
/// is missing, and dlopen's reason when it is there but cannot be loaded.
void* plugin_symbol(const std::string& file, const std::string& symbol, const std::string& needed_for);

/// An error crossing a plugin boundary as data: a plugin has its own copy of kda's code, so it
/// catches its exceptions at its entry points and the host throws them again as its own.
struct PluginError {
  int kind = -1;  ///< an ErrorKind, or -1 for none
  std::string message;
  /// Throws kda::Error(kind, message) when set.
  void rethrow() const;
};

}  // namespace kda
