#include "build/python_build.h"

#include <chrono>
#include <cstdlib>
#include <mutex>

#include "build/publish.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "core/subprocess.h"
#include "sandbox/confined_run.h"
#include "sandbox/sandbox.h"

namespace kda {
namespace fs = std::filesystem;

namespace {

const Json* spec_field(const Solution& s, const char* key) {
  if (!s.raw.is_object()) return nullptr;
  auto spec = s.raw.find("spec");
  if (spec == s.raw.end() || !spec->is_object()) return nullptr;
  auto f = spec->find(key);
  return f == spec->end() ? nullptr : &*f;
}

bool imports_torch(const fs::path& python) {
  ProcessResult r = run_process(
      {.argv = {python.string(), "-I", "-c", "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('torch') else 1)"},
       .timeout = std::chrono::seconds(30)});
  return r.ok();
}

// The Python half of the runner is installed beside kda-runner (tools/runner/python_runner.cmake).
fs::path runner_side_file(const std::string& name) {
  fs::path dir;
  if (const char* r = std::getenv("KDA_RUNNER"); r && *r) dir = fs::path(r).parent_path();
  else {
    std::error_code ec;
    dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  }
  fs::path f = dir / name;
  if (!fs::exists(f))
    fail(ErrorKind::kEnvironment, name + " was not found beside kda-runner (" + dir.string() +
                                      "); rebuild kda, or set KDA_RUNNER to a kda-runner that has it beside it");
  return f;
}

// What a torch extension's build needs to know of the interpreter's torch: "Python 3.11.2 /
// torch 1.13.1 / cuda None" (part of the build key, since an extension is bound to the
// interpreter and torch it was compiled against), and where torch's package lies (its headers
// are public text in the build's diagnostics).
struct TorchInfo {
  std::string toolchain, package_dir;
};

const TorchInfo& torch_info(const fs::path& python) {
  static std::mutex mu;
  static TorchInfo cached;
  std::lock_guard<std::mutex> lock(mu);
  if (!cached.toolchain.empty()) return cached;
  ProcessResult r = run_process(
      {.argv = {python.string(), "-I", "-c",
                "import os, sys, torch; print('Python %d.%d.%d / torch %s / cuda %s' % (sys.version_info[:3] + "
                "(torch.__version__, torch.version.cuda))); print(os.path.dirname(torch.__file__))"},
       .timeout = std::chrono::seconds(120)});
  if (!r.ok())
    fail(ErrorKind::kEnvironment, python.string() + " cannot import torch, which a torch-bound solution needs: "
                                  "install it (Debian: apt install python3-torch; elsewhere: pip install torch) "
                                  "or set KDA_PYTHON to a python3 that has it");
  const size_t eol = r.out.find('\n');
  cached.toolchain = r.out.substr(0, eol);
  if (eol != std::string::npos) cached.package_dir = r.out.substr(eol + 1, r.out.find('\n', eol + 1) - eol - 1);
  return cached;
}

// Sources are written once per key; a directory a killed run left is completed by the next.
void stage_sources(const Solution& s, const fs::path& dir) {
  for (const SourceFile& f : s.sources) write_file_atomic(dir / f.path, f.content);
}

// kda.params of a Python solution, as the module `kda_params` beside its sources (what -D
// defines are to native code): `import kda_params; kda_params.BLOCK`. Values are plain by the
// loader's rule (identifier = number, boolean or a [A-Za-z0-9_.+:-] string), so they print as
// Python literals as they are.
std::string params_module(const Solution& s) {
  std::string out = "# kda.params of " + s.name + ", written by kda (docs/formats.md)\n";
  for (const auto& [name, value] : s.params) {
    std::string literal = value.is_boolean() ? (value.get<bool>() ? "True" : "False")
                          : value.is_string() ? "'" + value.get<std::string>() + "'"
                                              : value.dump();
    out += name + " = " + literal + "\n";
  }
  return out;
}

bool has_suffix(const std::string& s, const char* suffix) {
  const size_t n = std::char_traits<char>::length(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// The torch extension build: kda_torch_build.py drives torch.utils.cpp_extension (ninja, the
// host compiler and nvcc) inside the build confinement. Read-only: the system, the interpreter's
// tree and the sources; writable: the staging directory only.
BuildResult build_torch_extension(const Solution& s, const BuildOptions& opt, BuildResult res, const fs::path& root) {
  const fs::path python = python_executable();
  res.toolchain = torch_info(python).toolchain;
  const std::string module = "kda_ext_" + res.key.substr(0, 16);
  fs::path dir = root / res.key;
  fs::path src_dir = root / (res.key + ".src");
  res.library = dir;
  res.python->entry = module + ".so::" + s.entry_function();
  res.python->kind = "extension";
  if (fs::exists(dir / "ok")) {
    res.ok = res.cached = true;
    return res;
  }
  fs::create_directories(root);
  stage_sources(s, src_dir);
  TempDir staging("kda-torch-build");
  ConfinedSpec spec;
  spec.argv = {python.string(), "-I", runner_side_file("kda_torch_build.py").string(), "--sources", src_dir.string(),
               "--out", staging.path().string(), "--name", module, "--cuda", s.language == "cuda" ? "1" : "0"};
  for (const std::string& f : s.extra_flags) spec.argv.insert(spec.argv.end(), {"--flag", f});
  for (const SourceFile& f : s.sources) spec.argv.insert(spec.argv.end(), {"--file", f.path});
  spec.env = {{"HOME", staging.path().string()}, {"TMPDIR", staging.path().string()}, {"LC_ALL", "C"},
              {"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"MAX_JOBS", "4"}};
  for (const char* k : {"PATH", "LD_LIBRARY_PATH", "CUDA_HOME", "CUDA_PATH"})
    if (const char* v = std::getenv(k)) spec.env[k] = v;
  // The target architecture, as nvcc's builds get it (sm_90 -> "9.0").
  std::string arch = opt.arch;
  if (arch.rfind("sm_", 0) == 0 && arch.size() >= 5) spec.env["TORCH_CUDA_ARCH_LIST"] = arch.substr(3, arch.size() - 4) + "." + arch.back();
  spec.cwd = staging.path();
  SandboxPolicy p;
  p.read_only = {"/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/opt", "/proc", "/sys", src_dir,
                 fs::canonical(python).parent_path().parent_path(), runner_side_file("kda_torch_build.py").parent_path()};
  p.read_only.push_back("/dev/urandom");  // torch seeds its generators from it at import
  p.read_write = {"/dev/null"};
  p.scratch = staging.path();
  p.cpu_seconds = 1800;
  p.file_size = 1ull << 30;
  p.open_files = 1024;
  p.allow_exec = true;
  spec.policy = p;
  spec.confine = probe_sandbox().landlock_abi > 0;
  if (!spec.confine && opt.require_sandbox)
    fail(ErrorKind::kEnvironment, "--require-sandbox: this kernel lacks Landlock, so the compiler cannot be confined");
  spec.timeout = opt.timeout;
  ConfinedResult r = run_confined(spec);
  res.confined = spec.confine;
  res.command = "torch.utils.cpp_extension.load(" + module + ")";
  std::vector<std::string> own;
  for (const SourceFile& f : s.sources) own.push_back(f.path);
  // The toolchain's and torch's headers are public text (not the interpreter's whole tree, which
  // for /usr/bin/python3 is /usr); the driver prints its error last.
  res.log = build_detail::readable_log(r.output, {staging.path(), src_dir}, own,
                                       {"/usr/include", "/usr/lib/gcc", "/usr/local/include", "/usr/local/cuda",
                                        torch_info(python).package_dir},
                                       /*keep_tail=*/true);
  if (!r.ok()) {
    if (r.timed_out) res.log = "the torch extension build timed out and was killed\n" + res.log;
    return res;
  }
  fs::path built = staging.path() / (module + ".so");
  if (!fs::exists(built)) {
    res.log = "the torch extension build produced no " + module + ".so\n" + res.log;
    return res;
  }
  res.ok = build_detail::publish_build(root, res.key, {{built, module + ".so"}}, res.log, res.toolchain);
  return res;
}

}  // namespace

std::string solution_binding(const Solution& s) {
  const Json* b = spec_field(s, "binding");
  return b && b->is_string() ? b->get<std::string>() : "";
}

bool destination_passing_style(const Solution& s) {
  const Json* d = spec_field(s, "destination_passing_style");
  return !(d && d->is_boolean()) || d->get<bool>();
}

bool runs_in_python(const Solution& s) {
  return s.language == "python" || s.language == "triton" ||
         ((s.language == "cuda" || s.language == "cpp") && !solution_binding(s).empty());
}

Solution python_reference_solution(const Definition& d) {
  Solution s;
  s.name = d.name + "-reference";
  s.definition = d.name;
  s.author = "definition";
  s.language = "python";
  s.entry_point = "reference.py::run";
  s.sources = {{"reference.py", d.reference}};
  s.raw = {{"spec", {{"language", "python"}, {"entry_point", s.entry_point}, {"destination_passing_style", false}}}};
  return s;
}

fs::path python_executable() {
  static const fs::path found = [] {
    if (const char* e = std::getenv("KDA_PYTHON"); e && *e) return fs::path(e);
    std::optional<fs::path> on_path = find_program("python3");
    if (on_path && imports_torch(*on_path)) return *on_path;
    if (fs::exists("/usr/bin/python3") && imports_torch("/usr/bin/python3")) return fs::path("/usr/bin/python3");
    return on_path.value_or(fs::path("python3"));
  }();
  return found;
}

BuildResult build_python_solution(const Solution& s, const BuildOptions& opt) {
  BuildResult res;
  const std::string binding = solution_binding(s);
  if (binding == "tvm-ffi")
    fail(ErrorKind::kEnvironment, "solution " + s.name + " uses binding tvm-ffi, which kda cannot load (it has no "
                                  "TVM-FFI runtime); build it with binding torch, or as a python/triton solution");
  if (!binding.empty() && binding != "torch") {
    res.log = "unknown spec.binding '" + binding + "' (kda loads torch-bound C++/CUDA solutions)";
    return res;
  }
  if (opt.backend != "cpu" && opt.backend != "cuda") {
    res.log = s.language + " solutions run on the cpu and cuda backends, not " + opt.backend;
    return res;
  }
  if (s.language == "triton" && opt.backend != "cuda") {
    res.log = "a Triton solution needs a GPU: run it with --backend cuda";
    return res;
  }
  if (s.language == "cuda" && opt.backend != "cuda") {
    res.log = "a CUDA solution needs --backend cuda";
    return res;
  }
  const std::string entry_file = s.entry_file();
  const bool extension = !binding.empty();
  if (!extension && !has_suffix(entry_file, ".py")) {
    res.log = "the entry point of a " + s.language + " solution must be a .py file, not " + entry_file;
    return res;
  }
  bool listed = false;
  for (const SourceFile& f : s.sources) listed = listed || f.path == entry_file;
  if (!listed) {
    res.log = "the entry file " + entry_file + " is not among the solution's sources";
    return res;
  }
  res.python = BuildResult::Python{.entry = s.entry_point, .kind = "module", .dps = destination_passing_style(s),
                                   .jit = s.language == "triton"};
  Sha256 key;
  key.field(extension ? "kda-torch-ext-v1" : "kda-python-stage-v1").field(s.content_hash()).field(binding);
  key.field(res.python->dps ? "dps" : "value").field(opt.arch).field(opt.backend);
  res.key = key.hex();
  fs::path root = opt.cache_root.empty() ? cache_dir() / "builds" : opt.cache_root;
  if (extension) return build_torch_extension(s, opt, res, root);

  res.toolchain = "python";
  res.library = root / (res.key + ".py");
  if (fs::exists(res.library / ".kda-staged")) {
    res.ok = res.cached = true;
    return res;
  }
  stage_sources(s, res.library);
  if (!s.params.empty()) write_file_atomic(res.library / "kda_params.py", params_module(s));
  write_file_atomic(res.library / ".kda-staged", s.content_hash() + "\n");
  res.ok = true;
  return res;
}

}  // namespace kda
