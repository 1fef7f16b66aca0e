#include "build/builder.h"

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "core/subprocess.h"

#ifndef KDA_DLPACK_INCLUDE
#define KDA_DLPACK_INCLUDE "/usr/include"
#endif

namespace kda {
namespace fs = std::filesystem;

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
  for (auto& [name, value] : s.params) {
    std::string v = value.is_string() ? value.get<std::string>() : value.dump();
    flags.push_back("-D" + name + "=" + v);
  }
  flags.insert(flags.end(), s.extra_flags.begin(), s.extra_flags.end());
  return flags;
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

std::string trim_log(std::string log, const fs::path& staging) {
  // Paths of the throwaway staging dir mean nothing to the reader.
  std::string prefix = staging.string() + "/";
  for (size_t p; (p = log.find(prefix)) != std::string::npos;) log.erase(p, prefix.size());
  const size_t kMax = 4000;
  if (log.size() > kMax) log = log.substr(0, kMax) + "\n[... diagnostics truncated]";
  return log;
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
  if (arch.empty() && s.language == "hip") arch = "gfx942";
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
  // one key write identical files, so concurrent builders do not disturb each other.
  fs::path src_dir = root / (res.key + ".src");
  TempDir staging("kda-build");
  std::vector<std::string> argv = {cc};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back("-I" + dlpack_include());
  argv.push_back("-I" + src_dir.string());
  for (const SourceFile& f : s.sources) {
    write_file_atomic(src_dir / f.path, f.content);
    if (is_translation_unit(f.path)) argv.push_back((src_dir / f.path).string());
  }
  if (needs_shim) {
    std::string shim = s.language == "cuda" ? "kda_shim.cu" : "kda_shim.cc";
    write_file_atomic(src_dir / shim, shim_source(fn));
    argv.push_back((src_dir / shim).string());
  }
  fs::path out = staging.path() / "libsolution.so";
  argv.push_back("-o");
  argv.push_back(out.string());
  for (auto& a : argv) res.command += (res.command.empty() ? "" : " ") + a;
  res.command = trim_log(trim_log(res.command, staging.path()), src_dir);

  auto r = run_process({.argv = argv, .cwd = staging.path(), .timeout = std::chrono::minutes(10)});
  res.log = trim_log(trim_log(r.err + r.out, staging.path()), src_dir);
  if (!r.ok()) {
    if (r.timed_out) res.log = "compiler timed out after 10 minutes\n" + res.log;
    return res;
  }
  // Publish atomically: copy into a temp dir inside the cache, then rename.
  fs::create_directories(root);
  fs::path tmp = root / (res.key + ".tmp." + std::to_string(::getpid()));
  fs::create_directories(tmp);
  fs::copy_file(out, tmp / "libsolution.so", fs::copy_options::overwrite_existing);
  write_file_atomic(tmp / "build.log", res.command + "\n" + res.log);
  write_file_atomic(tmp / "ok", res.toolchain + "\n");
  std::error_code ec;
  fs::rename(tmp, dir, ec);
  if (ec) fs::remove_all(tmp, ec);  // another process published the same key first
  res.ok = fs::exists(dir / "ok");
  return res;
}

}  // namespace kda
