#include "build/builder.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include "core/fs.h"

namespace kda {
namespace {

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

}  // namespace
}  // namespace kda
