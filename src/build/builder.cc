#include "build/builder.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "build/diagnostics.h"
#include "build/publish.h"
#include "build/rocm_probe.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "build/python_build.h"
#include "core/subprocess.h"
#include "sandbox/confined_run.h"
#include "task/build_flags.h"

#ifndef KDA_DLPACK_INCLUDE
#define KDA_DLPACK_INCLUDE "/usr/include"
#endif

namespace kda {
namespace fs = std::filesystem;
using build_detail::publish_build;
using build_detail::readable_log;
using build_detail::remove_stale_temporaries;
using build_detail::strip_prefix;

namespace {

std::string compiler_for(const std::string& language) {
  if (language == "cpp") return "g++";
  if (language == "cuda") return "nvcc";
  if (language == "hip") return "hipcc";
  return "";
}

std::string first_line(const std::string& s, bool last = false) {
  std::istringstream in(s);
  std::string line, keep;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    keep = line;
    if (!last) break;
  }
  return keep;
}

std::string dlpack_include() {
  if (const char* e = std::getenv("KDA_DLPACK_INCLUDE"); e && *e) return e;
  return KDA_DLPACK_INCLUDE;
}

std::string detect_cuda_arch() {
  auto r = run_process({.argv = {"nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"},
                        .timeout = std::chrono::seconds(20)});
  std::string cap = first_line(r.out);
  if (!r.ok() || cap.empty()) return "sm_90";
  std::string digits;
  for (char c : cap)
    if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
  return "sm_" + digits;
}

// The CPU model matters because cpp builds use -march=native.
std::string host_cpu() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line;
  return "";
}

std::vector<std::string> compile_flags(const Solution& s, const std::string& arch) {
  std::vector<std::string> flags;
  if (s.language == "cpp") {
    flags = {"-std=c++17", "-O3", "-march=native", "-fopenmp", "-shared", "-fPIC"};
  } else if (s.language == "cuda") {
    flags = {"-std=c++17", "-O3", "-arch=" + arch, "-shared", "-Xcompiler", "-fPIC", "-lineinfo"};
  } else if (s.language == "hip") {
    flags = {"-std=c++17", "-O3", "--offload-arch=" + arch, "-shared", "-fPIC"};
  }
  for (auto& [name, value] : s.params) flags.push_back("-D" + name + "=" + param_define_value(value));
  flags.insert(flags.end(), s.extra_flags.begin(), s.extra_flags.end());
  return flags;
}

// The same checks as at load (task/build_flags.h), for solutions made in code (tuner variants),
// plus what only the build knows: a cuda -arch/-gencode must name the target's architecture.
void check_inputs(const Solution& s, const std::string& arch) {
  for (auto& [name, value] : s.params)
    if (std::string why = param_problem(name, value); !why.empty()) fail(ErrorKind::kInput, s.name + ": kda.params: " + why);
  if (std::string why = build_flags_problem(s.language, s.extra_flags); !why.empty())
    fail(ErrorKind::kInput, s.name + ": kda.build_flags: " + why);
  if (s.language != "cuda") return;
  const std::string digits = arch.substr(arch.find('_') + 1);
  for (const std::string& a : cuda_arches_in_flags(s.extra_flags))
    if (a.substr(a.find('_') + 1) != digits)
      fail(ErrorKind::kInput, s.name + ": kda.build_flags names " + a + ", but this build targets " + arch +
                                  " (docs/sandbox.md: -arch and -gencode may only name the target)");
}

// The root of the toolchain the compiler resolves to (/usr/local/cuda-13.0 for its bin/nvcc),
// readable by the confined build wherever it lies.
fs::path toolchain_root(const std::string& cc) {
  auto exe = find_program(cc);
  if (!exe) return {};
  std::error_code ec;
  fs::path real = fs::canonical(*exe, ec);
  return ec ? fs::path() : real.parent_path().parent_path();
}

// The compiler sees only what a build needs: no API keys or other secrets of kda's environment,
// which `#include "/proc/self/environ"` would otherwise read.
std::map<std::string, std::string> compiler_env(const fs::path& staging) {
  std::map<std::string, std::string> env = {{"HOME", staging.string()}, {"TMPDIR", staging.string()},
                                            {"LC_ALL", "C"}, {"LANG", "C"},
                                            {"PATH", "/usr/local/bin:/usr/bin:/bin"}};
  for (const char* k : {"PATH", "LD_LIBRARY_PATH", "CUDA_HOME", "CUDA_PATH", "ROCM_PATH", "HIP_PATH", "HIP_PLATFORM",
                        "HIP_CLANG_PATH", "NVCC_CCBIN", "NVCC_PREPEND_FLAGS", "NVCC_APPEND_FLAGS"})
    if (const char* v = std::getenv(k)) env[k] = v;
  return env;
}

// Read-only: system and toolchain paths, the solution's sources and the DLPack headers; full
// access: the staging directory (outputs and the compiler's temporary files). Not the task
// directory, the store, the rest of the cache or $HOME.
SandboxPolicy build_policy(const fs::path& src_dir, const fs::path& staging, const fs::path& toolchain) {
  SandboxPolicy p;
  p.read_only = {"/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/opt", "/proc", src_dir,
                 dlpack_include()};
  if (!toolchain.empty()) p.read_only.push_back(toolchain);
  p.read_write = {"/dev/null"};
  p.scratch = staging;
  p.cpu_seconds = 1200;
  p.address_space = 32ull << 30;  // cc1plus and cicc use a few GiB at most; a runaway one stops here
  p.file_size = 1ull << 30;
  p.open_files = 1024;
  p.allow_exec = true;
  return p;
}

// Directories whose headers are public text, so their diagnostics need no hiding.
std::vector<std::string> public_include_dirs(const fs::path& toolchain) {
  std::vector<std::string> dirs = {"/usr/include", "/usr/lib/gcc", "/usr/local/include", "/usr/lib/llvm",
                                   "/opt/rocm", dlpack_include()};
  if (!toolchain.empty()) dirs.push_back((toolchain / "include").string()), dirs.push_back((toolchain / "targets").string());
  return dirs;
}

bool landlock_available() {
  static const bool ok = [] {
    SandboxStatus st = probe_sandbox();
    if (st.landlock_abi == 0)
      std::fprintf(stderr, "kda: warning: Landlock unavailable: compilers run WITHOUT filesystem confinement "
                           "(a solution's #include can read any file kda can)\n");
    return st.landlock_abi > 0;
  }();
  return ok;
}

// When the entry point names a function other than kda_entry, a one-line shim exports the ABI
// symbol and forwards to it (the named function must have the kda_entry signature).
std::string shim_source(const std::string& fn) {
  return "#include <dlpack/dlpack.h>\n"
         "extern \"C\" int " + fn + "(const DLTensor*, int, DLTensor*, int, void*);\n"
         "extern \"C\" __attribute__((visibility(\"default\"))) int kda_entry(const DLTensor* i, int ni, DLTensor* o, int no, void* s) {\n"
         "  return " + fn + "(i, ni, o, no, s);\n}\n";
}

bool is_translation_unit(const std::string& path) {
  for (const char* ext : {".cc", ".cpp", ".cxx", ".c", ".cu", ".hip"})
    if (path.size() > std::strlen(ext) && path.compare(path.size() - std::strlen(ext), std::string::npos, ext) == 0)
      return true;
  return false;
}

}  // namespace

std::string language_for_backend(const std::string& backend) {
  if (backend == "cpu") return "cpp";
  if (backend == "cuda") return "cuda";
  if (backend == "hip") return "hip";
  fail(ErrorKind::kUsage, "unknown backend '" + backend + "' (expected cpu, cuda or hip)");
}

std::string compiler_version(const std::string& language) {
  static std::mutex mu;
  static std::map<std::string, std::string> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(language); it != cache.end()) return it->second;
  std::string cc = compiler_for(language);
  std::string version;
  if (!cc.empty()) {
    auto r = run_process({.argv = {cc, "--version"}, .timeout = std::chrono::seconds(30)});
    if (r.ok()) version = language == "cuda" ? first_line(r.out, /*last=*/true) : first_line(r.out);
  }
  cache[language] = version;
  return version;
}

BuildResult build_solution(const Solution& s, const BuildOptions& opt) {
  if (runs_in_python(s)) return build_python_solution(s, opt);  // build/python_build.h
  BuildResult res;
  std::string want = language_for_backend(opt.backend);
  if (s.language != want) {
    res.log = "solution language '" + s.language + "' cannot run on the " + opt.backend +
              " backend (it runs " + want + " solutions)";
    return res;
  }
  std::string cc = compiler_for(s.language);
  res.toolchain = compiler_version(s.language);
  if (res.toolchain.empty()) {
    res.log = cc + " was not found: install it (see README) or choose another backend";
    return res;
  }
  std::string arch = opt.arch;
  if (arch.empty() && s.language == "cuda") arch = detect_cuda_arch();
  if (arch.empty() && s.language == "hip") arch = detect_hip_arch();  // the GPU's own target (KFD)
  if (arch.empty() && s.language == "hip") arch = "gfx942";
  check_inputs(s, arch);
  std::vector<std::string> flags = compile_flags(s, arch);
  std::string fn = s.entry_function();
  bool needs_shim = fn != "kda_entry";

  Sha256 key;
  key.field("kda-build-v1").field(s.content_hash()).field(res.toolchain).field(arch);
  for (auto& f : flags) key.field(f);
  if (s.language == "cpp") key.field(host_cpu());
  if (needs_shim) key.field(shim_source(fn));
  res.key = key.hex();

  fs::path root = opt.cache_root.empty() ? cache_dir() / "builds" : opt.cache_root;
  fs::path dir = root / res.key;
  res.library = dir / "libsolution.so";
  if (fs::exists(dir / "ok")) {
    res.ok = res.cached = true;
    return res;
  }

  // Sources live on beside the library (<key>.src/): debug line info points there, so
  // profilers (ncu --import-source) and debuggers find the code of a cached build. Builds of
  // one key write identical files (each atomically), so concurrent builders do not disturb each
  // other and a directory a killed build left half-written is completed by the next one.
  fs::path src_dir = root / (res.key + ".src");
  fs::create_directories(root);
  remove_stale_temporaries(root);
  TempDir staging("kda-build");
  std::vector<std::string> argv = {cc};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back("-I" + dlpack_include());
  argv.push_back("-I" + src_dir.string());
  std::vector<std::string> own;
  for (const SourceFile& f : s.sources) {
    write_file_atomic(src_dir / f.path, f.content);
    own.push_back(f.path);
    if (is_translation_unit(f.path)) argv.push_back((src_dir / f.path).string());
  }
  if (needs_shim) {
    std::string shim = s.language == "cuda" ? "kda_shim.cu" : "kda_shim.cc";
    write_file_atomic(src_dir / shim, shim_source(fn));
    own.push_back(shim);
    argv.push_back((src_dir / shim).string());
  }
  fs::path out = staging.path() / "libsolution.so";
  argv.push_back("-o");
  argv.push_back(out.string());
  for (auto& a : argv) res.command += (res.command.empty() ? "" : " ") + a;
  res.command = strip_prefix(strip_prefix(res.command, staging.path()), src_dir);

  // The compiler runs untrusted input: confined (src/sandbox/confined_run.h), killed with kda.
  const fs::path toolchain = toolchain_root(cc);
  const bool confine = landlock_available();
  if (!confine && opt.require_sandbox)
    fail(ErrorKind::kEnvironment, "--require-sandbox: this kernel lacks Landlock, so the compiler cannot be confined");
  ConfinedSpec spec;
  spec.argv = argv;
  spec.env = compiler_env(staging.path());
  spec.cwd = staging.path();
  spec.policy = build_policy(src_dir, staging.path(), toolchain);
  spec.confine = confine;
  spec.timeout = opt.timeout;
  ConfinedResult r = run_confined(spec);
  res.confined = confine;
  res.log = readable_log(r.output, {staging.path(), src_dir}, own, public_include_dirs(toolchain));
  if (!r.ok()) {
    if (r.timed_out)
      res.log = "compiler timed out after " + std::to_string(opt.timeout.count() / 1000) + " s and was killed\n" + res.log;
    else if (r.signal)
      res.log = std::string("compiler killed by signal ") + std::to_string(r.signal) + "\n" + res.log;
    return res;
  }
  res.ok = publish_build(root, res.key, {{out, "libsolution.so"}}, res.command + "\n" + res.log, res.toolchain);
  return res;
}

}  // namespace kda
