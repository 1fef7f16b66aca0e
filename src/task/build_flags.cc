#include "task/build_flags.h"

#include <cmath>
#include <cstring>
#include <regex>

namespace kda {

namespace {

const char* kSeeDocs = " (docs/sandbox.md lists the build flags kda accepts)";

bool matches(const std::string& s, const char* pattern) { return std::regex_match(s, std::regex(pattern)); }

// Characters no shell, response-file reader or driver gives a meaning to: nvcc hands -D values
// to its stages through a shell, so a quote, a space, '$' or ';' there would be a command.
bool shell_safe_value(const std::string& v) { return v.size() <= 128 && matches(v, "[A-Za-z0-9_.+:-]*"); }

bool identifier(const std::string& s) { return s.size() <= 64 && matches(s, "[A-Za-z_][A-Za-z0-9_]*"); }

// -DNAME or -DNAME=VALUE (one token: "-D NAME" would let the next flag be anything).
bool define_flag(const std::string& f) {
  if (f.rfind("-D", 0) != 0) return false;
  std::string rest = f.substr(2);
  auto eq = rest.find('=');
  return identifier(rest.substr(0, eq)) && (eq == std::string::npos || shell_safe_value(rest.substr(eq + 1)));
}

// Flags of the GNU-style drivers (g++, and hipcc which is clang), each a whole token.
bool gnu_codegen_flag(const std::string& f) {
  static const char* kExact[] = {
      "-O0", "-O1", "-O2", "-O3", "-Os", "-Ofast", "-ffast-math", "-fno-fast-math", "-fno-math-errno",
      "-fmath-errno", "-funsafe-math-optimizations", "-fno-unsafe-math-optimizations", "-ffinite-math-only",
      "-fno-finite-math-only", "-fno-trapping-math", "-ftrapping-math", "-fno-signed-zeros", "-fsigned-zeros",
      "-fassociative-math", "-fno-associative-math", "-freciprocal-math", "-fno-reciprocal-math",
      "-fcx-limited-range", "-funroll-loops", "-fno-unroll-loops", "-funroll-all-loops", "-fomit-frame-pointer",
      "-fno-omit-frame-pointer", "-fopenmp", "-fopenmp-simd", "-fstrict-aliasing", "-fno-strict-aliasing",
      "-ftree-vectorize", "-fno-tree-vectorize", "-fno-exceptions", "-fno-rtti", "-fno-plt", "-fpeel-loops",
      "-fipa-pta", "-fno-semantic-interposition", "-w", "-Wall", "-Wextra", "-Werror", "-g", "-g0", "-g1"};
  for (const char* e : kExact)
    if (f == e) return true;
  if (define_flag(f)) return true;
  if (f.rfind("-U", 0) == 0 && identifier(f.substr(2))) return true;
  return matches(f, "-std=(c|gnu)\\+\\+(11|14|17|20|23|1z|2a|2b|2c)") ||
         // -march/-mtune: "native" or a CPU name; the compiler itself refuses names it does not know.
         matches(f, "-m(arch|tune|cpu)=[a-z0-9][a-z0-9._+-]{0,40}") ||
         matches(f, "-m(no-)?(sse|sse2|sse3|ssse3|sse4\\.1|sse4\\.2|sse4|avx|avx2|avx512f|avx512bw|avx512vl|avx512dq|"
                    "avx512cd|avx512vnni|avx512bf16|avx512fp16|avx512ifma|avx512vbmi|avxvnni|fma|f16c|bmi|bmi2|"
                    "popcnt|lzcnt|amx-tile|amx-bf16|amx-int8|neon|sve|sve2)") ||
         matches(f, "-mprefer-vector-width=(128|256|512|none)") ||
         matches(f, "-ffp-contract=(off|on|fast)") || matches(f, "-fvect-cost-model=(unlimited|dynamic|cheap|very-cheap)") ||
         // Warning switches by name only: -Wl, -Wa and -Wp (options for the linker, assembler and
         // preprocessor) need a comma, which the pattern has not.
         matches(f, "-W(no-)?(error=)?[a-z][a-z0-9-]{0,60}");
}

bool hip_flag(const std::string& f) {
  return gnu_codegen_flag(f) || f == "-munsafe-fp-atomics" || f == "-mno-unsafe-fp-atomics" ||
         matches(f, "--offload-arch=gfx[0-9]{3,4}[a-z]?(:(xnack|sramecc)[+-])*") ||
         matches(f, "-f(no-)?gpu-(flush-denormals-to-zero|approx-transcendentals)") ||
         matches(f, "-mllvm=-amdgpu-[a-z-]+=[0-9a-z]+");
}

bool ptxas_option(const std::string& o) {
  return matches(o, "-v|--verbose|-O[0-3]|--?maxrregcount=[0-9]{1,3}|-dlcm=(ca|cg|cs)|-dscm=(wb|cg|cs|wt)|"
                    "--?warn-(spills|on-spills|lmem-usage|on-local-memory-usage|double-usage|on-double-precision-use)|"
                    "--?allow-expensive-optimizations(=(true|false))?|--?def-load-cache=(ca|cg|cs|lu|cv)|"
                    "--?def-store-cache=(wb|cg|cs|wt)|--?disable-optimizer-constants|--?preserve-relocs");
}

bool list_of(const std::string& csv, bool (*ok)(const std::string&)) {
  if (csv.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t comma = csv.find(',', start);
    if (!ok(csv.substr(start, comma - start))) return false;
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

bool cuda_arch(const std::string& a) { return matches(a, "(sm|compute)_[0-9]{2,3}[af]?"); }

bool gencode(const std::string& g) {
  return matches(g, "arch=compute_[0-9]{2,3}[af]?,code=(\\[?((sm|compute)_[0-9]{2,3}[af]?)(,(sm|compute)_[0-9]{2,3}[af]?)*\\]?)");
}

// The host-compiler flags nvcc may pass on with -Xcompiler: code generation only.
bool host_flag(const std::string& f) {
  return gnu_codegen_flag(f) && f.rfind("-D", 0) != 0;  // defines go to nvcc itself (-D)
}

// nvcc: a flag and, for the two-token spellings, its value (returns how many tokens it used).
size_t cuda_flag(const std::vector<std::string>& flags, size_t i) {
  const std::string& f = flags[i];
  auto next = [&]() -> const std::string* { return i + 1 < flags.size() ? &flags[i + 1] : nullptr; };
  static const char* kExact[] = {"-O0", "-O1", "-O2", "-O3", "--use_fast_math", "-use_fast_math", "-lineinfo",
                                 "--generate-line-info", "--extra-device-vectorization", "-extra-device-vectorization",
                                 "--restrict", "-restrict", "--expt-relaxed-constexpr", "-expt-relaxed-constexpr",
                                 "--expt-extended-lambda", "-expt-extended-lambda", "--extended-lambda", "-w",
                                 "-Wno-deprecated-gpu-targets", "-Wno-deprecated-declarations"};
  for (const char* e : kExact)
    if (f == e) return 1;
  if (define_flag(f)) return 1;
  if (f.rfind("-U", 0) == 0 && identifier(f.substr(2))) return 1;
  if (matches(f, "--?std=c\\+\\+(11|14|17|20)")) return 1;
  if (matches(f, "--?(ftz|prec-div|prec-sqrt|fmad)=(true|false)")) return 1;
  if (matches(f, "--?maxrregcount=[0-9]{1,3}")) return 1;
  if ((f == "-maxrregcount" || f == "--maxrregcount") && next() && matches(*next(), "[0-9]{1,3}")) return 2;
  for (const char* x : {"-Xptxas=", "--ptxas-options="})
    if (f.rfind(x, 0) == 0 && list_of(f.substr(std::strlen(x)), ptxas_option)) return 1;
  if ((f == "-Xptxas" || f == "--ptxas-options") && next() && list_of(*next(), ptxas_option)) return 2;
  for (const char* x : {"-Xcompiler=", "--compiler-options="})
    if (f.rfind(x, 0) == 0 && list_of(f.substr(std::strlen(x)), host_flag)) return 1;
  if ((f == "-Xcompiler" || f == "--compiler-options") && next() && list_of(*next(), host_flag)) return 2;
  for (const char* x : {"-arch=", "--gpu-architecture="})
    if (f.rfind(x, 0) == 0 && cuda_arch(f.substr(std::strlen(x)))) return 1;
  if ((f == "-arch" || f == "--gpu-architecture") && next() && cuda_arch(*next())) return 2;
  for (const char* x : {"-gencode=", "--generate-code="})
    if (f.rfind(x, 0) == 0 && gencode(f.substr(std::strlen(x)))) return 1;
  if ((f == "-gencode" || f == "--generate-code") && next() && gencode(*next())) return 2;
  return 0;
}

}  // namespace

std::string build_flags_problem(const std::string& language, const std::vector<std::string>& flags) {
  if (flags.size() > 64) return "too many build flags (" + std::to_string(flags.size()) + "; at most 64)";
  for (size_t i = 0; i < flags.size();) {
    const std::string& f = flags[i];
    size_t used = 0;
    if (f.size() <= 256) {
      if (language == "cuda") used = cuda_flag(flags, i);
      else if (language == "hip") used = hip_flag(f) ? 1 : 0;
      else if (language == "cpp") used = gnu_codegen_flag(f) ? 1 : 0;
      else return "build flags are not supported for " + language + " solutions";
    }
    if (used == 0) {
      std::string shown = f.size() > 80 ? f.substr(0, 80) + "..." : f;
      std::string why = f.rfind("-D", 0) == 0 || f == "-U" || f.rfind("-U", 0) == 0
                            ? ": write -DNAME or -DNAME=VALUE as one flag, NAME an identifier and VALUE of letters, "
                              "digits and _ . + - : only"
                            : "";
      return "build flag '" + shown + "' is not allowed for " + language + " solutions" + why + kSeeDocs;
    }
    i += used;
  }
  return "";
}

std::string param_problem(const std::string& name, const Json& value) {
  if (!identifier(name)) return "parameter names must be C identifiers of at most 64 characters, not '" + name.substr(0, 80) + "'";
  if (value.is_boolean() || value.is_number_integer() || value.is_number_unsigned()) return "";
  if (value.is_number_float())
    return std::isfinite(value.get<double>()) ? "" : "parameter '" + name + "' must be a finite number";
  if (!value.is_string()) return "parameter '" + name + "' must be a number, string or boolean";
  if (!shell_safe_value(value.get<std::string>()))
    return "parameter '" + name + "' has the value \"" + value.get<std::string>().substr(0, 80) +
           "\": a value becomes -D" + name + "=VALUE and may hold only letters, digits and _ . + - : (at most 128)";
  return "";
}

std::string param_define_value(const Json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

std::vector<std::string> cuda_arches_in_flags(const std::vector<std::string>& flags) {
  std::vector<std::string> out;
  static const std::regex arch("(sm|compute)_[0-9]{2,3}[af]?");
  for (size_t i = 0; i < flags.size(); ++i) {
    const std::string& f = flags[i];
    bool two_token = f == "-arch" || f == "--gpu-architecture" || f == "-gencode" || f == "--generate-code";
    bool joined = f.rfind("-arch=", 0) == 0 || f.rfind("--gpu-architecture=", 0) == 0 || f.rfind("-gencode=", 0) == 0 ||
                  f.rfind("--generate-code=", 0) == 0;
    if (!two_token && !joined) continue;
    const std::string& v = two_token && i + 1 < flags.size() ? flags[i + 1] : f;
    for (auto it = std::sregex_iterator(v.begin(), v.end(), arch); it != std::sregex_iterator(); ++it)
      out.push_back(it->str());
  }
  return out;
}

}  // namespace kda
