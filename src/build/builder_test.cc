#include "build/builder.h"

#include <dirent.h>
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "core/fs.h"
#include "sandbox/sandbox.h"

namespace kda {
namespace {
namespace fs = std::filesystem;

Solution cpp_solution(const std::string& body) {
  Solution s;
  s.name = "t";
  s.definition = "d";
  s.language = "cpp";
  s.entry_point = "k.cc::my_entry";
  s.sources = {{"k.cc", "#include <dlpack/dlpack.h>\nextern \"C\" int my_entry(const DLTensor*, int, DLTensor*, int, void*) {" + body + "}\n"}};
  return s;
}

class BuildTest : public ::testing::Test {
 protected:
  TempDir cache{"kda-build-test"};
  BuildOptions opt() { return {.backend = "cpu", .arch = "", .cache_root = cache.path()}; }
};

TEST_F(BuildTest, BuildsSharedLibraryExportingEntryThroughShim) {
  auto r = build_solution(cpp_solution("return 7;"), opt());
  ASSERT_TRUE(r.ok) << r.log;
  EXPECT_FALSE(r.cached);
  void* lib = dlopen(r.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  using Fn = int (*)(const DLTensor*, int, DLTensor*, int, void*);
  auto fn = reinterpret_cast<Fn>(dlsym(lib, "kda_entry"));
  ASSERT_NE(fn, nullptr);
  EXPECT_EQ(fn(nullptr, 0, nullptr, 0, nullptr), 7);
  dlclose(lib);
}

TEST_F(BuildTest, SecondBuildIsCachedAndChangedSourceIsNot) {
  auto a = build_solution(cpp_solution("return 1;"), opt());
  auto b = build_solution(cpp_solution("return 1;"), opt());
  auto c = build_solution(cpp_solution("return 2;"), opt());
  ASSERT_TRUE(a.ok && b.ok && c.ok);
  EXPECT_TRUE(b.cached);
  EXPECT_EQ(a.key, b.key);
  EXPECT_NE(a.key, c.key);
  EXPECT_FALSE(c.cached);
}

TEST_F(BuildTest, ParamsBecomeDefinesAndChangeTheKey) {
  Solution s = cpp_solution("return VALUE;");
  s.params["VALUE"] = 5;
  auto r5 = build_solution(s, opt());
  s.params["VALUE"] = 6;
  auto r6 = build_solution(s, opt());
  ASSERT_TRUE(r5.ok && r6.ok) << r5.log;
  EXPECT_NE(r5.key, r6.key);
}

TEST_F(BuildTest, CompileErrorIsAValueWithDiagnostics) {
  auto r = build_solution(cpp_solution("return undefined_name;"), opt());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.log.find("undefined_name"), std::string::npos) << r.log;
  // The staging path is stripped from diagnostics.
  EXPECT_EQ(r.log.find("/tmp/kda-build"), std::string::npos) << r.log;
}

TEST_F(BuildTest, LanguageMustMatchBackend) {
  Solution s = cpp_solution("return 0;");
  BuildOptions o = opt();
  o.backend = "cuda";
  auto r = build_solution(s, o);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.log.find("cannot run on the cuda backend"), std::string::npos) << r.log;
}

// The confinement tests need Landlock; without it the build runs unconfined (and warns).
#define REQUIRE_LANDLOCK() \
  if (probe_sandbox().landlock_abi == 0) GTEST_SKIP() << "kernel lacks Landlock"

const char* kSecret = "kda-hidden-workload-7f3a9c";

// Pids of processes whose command line mentions `needle` (a test's unique cache directory).
std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (!end || *end || pid <= 0 || pid == ::getpid()) continue;
    std::ifstream in("/proc/" + std::string(e->d_name) + "/cmdline");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string cmd = ss.str();
    std::ifstream stat("/proc/" + std::string(e->d_name) + "/stat");
    std::string st;
    std::getline(stat, st);
    bool zombie = st.find(") Z") != std::string::npos;
    if (!zombie && cmd.find(needle) != std::string::npos) out.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(d);
  return out;
}

// A translation unit g++ needs about a minute for, silently (no diagnostic that would make it
// die of SIGPIPE once its reader is gone): forty constexpr evaluations under the limit.
Solution slow_solution() {
  std::string body = "return 0;}\ntemplate <int K> constexpr long spin() { long s = 0; for (long i = 0; i < 1000; ++i) "
                     "for (long j = 0; j < 1000; ++j) s += (i ^ j) % (7 + K); return s; }\n";
  for (int k = 0; k < 40; ++k) body += "static_assert(spin<" + std::to_string(k) + ">() != -1, \"never\");\n";
  return cpp_solution(body + "int unused() { return 0;");
}

TEST_F(BuildTest, WrapperFlagIsRefusedAndRunsNothing) {
  fs::path marker = cache.path() / "pwned";
  Solution s = cpp_solution("return 0;");
  s.extra_flags = {"-wrapper", "/bin/sh,-c,touch " + marker.string()};
  try {
    build_solution(s, opt());
    FAIL() << "a -wrapper build was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("-wrapper"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(marker));
  Solution p = cpp_solution("return 0;");
  p.params["X"] = "1 -B/tmp";
  EXPECT_THROW(build_solution(p, opt()), Error);
}

TEST_F(BuildTest, IncludeOfATaskFileFailsWithoutItsBytes) {
  REQUIRE_LANDLOCK();
  TempDir task("kda-build-task");
  fs::path secret = task.path() / "workloads.jsonl";
  write_file_atomic(secret, std::string(kSecret) + " = 1;\n{\"uuid\": \"" + kSecret + "\"}\n");
  Solution s = cpp_solution("return 0;");
  s.sources[0].content = "#include \"" + secret.string() + "\"\n" + s.sources[0].content;
  auto r = build_solution(s, opt());
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.confined);
  EXPECT_EQ(r.log.find(kSecret), std::string::npos) << r.log;
  EXPECT_TRUE(r.log.find("Permission denied") != std::string::npos || r.log.find("No such file") != std::string::npos) << r.log;
}

TEST_F(BuildTest, IncbinOfATaskFileFails) {
  REQUIRE_LANDLOCK();
  TempDir task("kda-build-task");
  fs::path secret = task.path() / "hidden.bin";
  write_file_atomic(secret, kSecret);
  Solution s = cpp_solution("return 0;");
  s.sources[0].content += "asm(\".section .rodata\\n.incbin \\\"" + secret.string() + "\\\"\\n.text\");\n";
  auto r = build_solution(s, opt());
  EXPECT_FALSE(r.ok) << r.log;
  EXPECT_EQ(r.log.find(kSecret), std::string::npos) << r.log;
}

TEST_F(BuildTest, ConfinedCompilerStillBuildsAndWritesOnlyItsOwnDirectories) {
  REQUIRE_LANDLOCK();
  auto r = build_solution(cpp_solution("return 3;"), opt());
  ASSERT_TRUE(r.ok) << r.log;
  EXPECT_TRUE(r.confined);
  // What the cache holds: the published build and its sources, nothing else.
  std::set<std::string> names;
  for (auto& e : fs::directory_iterator(cache.path())) names.insert(e.path().filename().string());
  EXPECT_EQ(names, (std::set<std::string>{r.key, r.key + ".src"}));
}

TEST_F(BuildTest, TimeoutKillsTheWholeCompilerTree) {
  BuildOptions o = opt();
  o.timeout = std::chrono::seconds(2);
  auto r = build_solution(slow_solution(), o);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.log.find("timed out"), std::string::npos) << r.log;
  EXPECT_TRUE(processes_mentioning(cache.path().string()).empty()) << "a compiler outlived its build";
}

// kda killed outright (SIGKILL: no handler runs in it): the supervisor's parent-death signal
// still takes cc1plus down.
TEST_F(BuildTest, NoCompilerOutlivesAKilledKda) {
  pid_t kda = ::fork();
  ASSERT_GE(kda, 0);
  if (kda == 0) {
    build_solution(slow_solution(), opt());
    _exit(0);
  }
  const std::string needle = (cache.path() / "").string();
  bool seen = false;
  for (int i = 0; i < 600 && !seen; ++i) {
    for (pid_t p : processes_mentioning(needle)) {
      std::ifstream comm("/proc/" + std::to_string(p) + "/comm");
      std::string name;
      std::getline(comm, name);
      seen |= name == "cc1plus";
    }
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(kda, SIGKILL);
  ::waitpid(kda, nullptr, 0);
  ASSERT_TRUE(seen) << "cc1plus never started";
  std::vector<pid_t> left;
  for (int i = 0; i < 200; ++i) {
    left = processes_mentioning(needle);
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(left.empty()) << left.size() << " compiler processes outlived kda";
  for (pid_t p : left) ::kill(p, SIGKILL);
}

// nvcc runs its stages through a shell, writes temporaries to TMPDIR and resolves its own root:
// all of that must work inside the confinement (compile only; no GPU needed).
TEST_F(BuildTest, ConfinedNvccBuilds) {
  if (compiler_version("cuda").empty()) GTEST_SKIP() << "nvcc not installed";
  Solution s;
  s.name = "cu";
  s.language = "cuda";
  s.entry_point = "k.cu::kda_entry";
  s.sources = {{"k.cu", "#include <dlpack/dlpack.h>\n__global__ void k(float* x) { x[threadIdx.x] = 1.f; }\n"
                        "extern \"C\" int kda_entry(const DLTensor*, int, DLTensor*, int, void*) { return 0; }\n"}};
  s.extra_flags = {"--use_fast_math", "-Xptxas", "-v"};
  BuildOptions o = opt();
  o.backend = "cuda";
  o.arch = "sm_90";
  auto r = build_solution(s, o);
  ASSERT_TRUE(r.ok) << r.log;
  s.extra_flags = {"-arch=sm_80"};
  EXPECT_THROW(build_solution(s, o), Error);  // an arch other than the target's
}

TEST_F(BuildTest, StalePublishDirectoryOfADeadBuildIsRemoved) {
  fs::path stale = cache.path() / "0123abcd.tmp.999999999";
  fs::create_directories(stale);
  write_file_atomic(stale / "libsolution.so", "half");
  ASSERT_TRUE(build_solution(cpp_solution("return 4;"), opt()).ok);
  EXPECT_FALSE(fs::exists(stale));
}

}  // namespace
}  // namespace kda
