// Builds a Solution (or a native reference) into a shared library exporting kda_entry
// (DESIGN §3): g++ for cpp, nvcc for cuda, hipcc for hip. Results are cached under
// cache_dir()/builds/<key>, where the key hashes the sources, flags, compiler version and target,
// so an unchanged solution is never rebuilt and a changed toolchain never reuses a stale build.
// A failed build is a value (ok == false, trimmed diagnostics), never an exception.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "task/solution.h"

namespace kda {

struct BuildOptions {
  std::string backend = "cpu";  ///< cpu | cuda | hip: decides the accepted languages
  std::string arch;             ///< cuda: "sm_90" (empty: from the GPU, else sm_90); hip: gfx942...
  std::filesystem::path cache_root;  ///< empty: cache_dir()/builds
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};  ///< wall clock of one compile
  bool require_sandbox = false;  ///< kEnvironment instead of an unconfined build without Landlock
};

struct BuildResult {
  bool ok = false;
  bool cached = false;
  std::string key;        ///< cache key (also the build's identity in traces)
  std::filesystem::path library;
  std::string entry_symbol = "kda_entry";
  std::string toolchain;  ///< compiler version line
  std::string command;    ///< the compile command, for the log
  std::string log;        ///< trimmed, scrubbed diagnostics when !ok (or warnings)
  bool confined = false;  ///< the compiler ran under Landlock + seccomp (false: kernel lacks it)
  /// Set for code the Python runner runs (build/python_build.h); `library` is then the staged
  /// sources' directory.
  struct Python {
    std::string entry;     ///< "FILE::FUNCTION", FILE relative to `library`
    std::string kind;      ///< "module" (Python/Triton source) | "extension" (torch C++/CUDA module)
    bool dps = true;       ///< destination-passing style (outputs after inputs, written in place)
    bool jit = false;      ///< JIT-compiles at run time (Triton): the runner may start ptxas and cc
  };
  std::optional<Python> python;
};

/// Which solution languages a backend runs: cpu -> cpp, cuda -> cuda, hip -> hip.
std::string language_for_backend(const std::string& backend);

/// Compiles inside a confinement of its own (docs/sandbox.md, "Builds"). Throws kda::Error(kInput)
/// for flags or params outside the allow-list, kEnvironment for require_sandbox without Landlock.
BuildResult build_solution(const Solution& s, const BuildOptions& opt);

/// The compiler's version line ("g++ (Debian 12.2.0-14) 12.2.0"); cached per process.
/// Empty when the compiler is missing.
std::string compiler_version(const std::string& language);

}  // namespace kda
