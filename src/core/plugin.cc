#include "core/plugin.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <vector>

#include "core/error.h"

namespace kda {
namespace fs = std::filesystem;

void* plugin_symbol(const std::string& file, const std::string& symbol, const std::string& needed_for) {
  static std::mutex mu;
  static std::map<std::string, void*> loaded;  // file -> handle; never closed (code may be in use)
  std::lock_guard<std::mutex> lock(mu);
  void* handle = nullptr;
  if (auto it = loaded.find(file); it != loaded.end()) handle = it->second;
  if (!handle) {
    std::vector<fs::path> dirs;
    if (const char* env = std::getenv("KDA_PLUGIN_DIR"); env && *env) {
      dirs.push_back(env);
    } else {
      std::error_code ec;
      fs::path exe = fs::read_symlink("/proc/self/exe", ec);
      if (!ec) dirs.push_back(exe.parent_path());
#ifdef KDA_PLUGIN_BUILD_DIR
      if (dirs.empty() || dirs.back() != fs::path(KDA_PLUGIN_BUILD_DIR)) dirs.push_back(KDA_PLUGIN_BUILD_DIR);
#endif
    }
    std::string looked;
    for (auto& d : dirs) {
      fs::path p = d / file;
      looked += (looked.empty() ? "" : ", ") + d.string();
      std::error_code ec;
      if (!fs::exists(p, ec)) continue;
      handle = ::dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!handle) {
        const char* why = ::dlerror();
        fail(ErrorKind::kEnvironment, needed_for + ": cannot load the plugin " + p.string() + ": " +
                                          (why ? why : "unknown dlopen error"));
      }
      break;
    }
    if (!handle)
      fail(ErrorKind::kEnvironment, needed_for + " needs the plugin " + file + ", which is not in " + looked +
                                        " (it is built and installed beside kda; rebuild kda, or set KDA_PLUGIN_DIR "
                                        "to the directory that holds it)");
    loaded[file] = handle;
  }
  void* sym = ::dlsym(handle, symbol.c_str());
  if (!sym) fail(ErrorKind::kEnvironment, needed_for + ": the plugin " + file + " has no " + symbol + " (a plugin of another kda version?)");
  return sym;
}

void PluginError::rethrow() const {
  if (kind < 0) return;
  int k = kind;
  if (k < static_cast<int>(ErrorKind::kVerdict) || k > static_cast<int>(ErrorKind::kInternal)) k = static_cast<int>(ErrorKind::kInternal);
  throw Error(static_cast<ErrorKind>(k), message);
}

}  // namespace kda
