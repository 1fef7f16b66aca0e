#include "task/build_flags.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "task/solution.h"

namespace kda {
namespace {

bool allowed(const std::string& language, std::vector<std::string> flags) {
  return build_flags_problem(language, flags).empty();
}

TEST(BuildFlags, CodeGenerationFlagsAreAllowed) {
  EXPECT_TRUE(allowed("cpp", {"-O2", "-Ofast", "-march=native", "-mtune=native", "-march=x86-64-v3", "-ffast-math",
                              "-fno-math-errno", "-ffp-contract=fast", "-funroll-loops", "-fopenmp-simd", "-std=c++20",
                              "-DBLOCK=256", "-DUSE_AVX", "-UNDEBUG", "-mavx2", "-Wno-unused-variable", "-Werror"}));
  EXPECT_TRUE(allowed("cuda", {"--use_fast_math", "-lineinfo", "-Xptxas", "-v,-O3,--maxrregcount=64", "-Xptxas=-dlcm=cg",
                               "-maxrregcount=128", "-maxrregcount", "96", "--extra-device-vectorization", "-ftz=true",
                               "-prec-div=false", "-fmad=true", "-arch=sm_90", "-gencode", "arch=compute_90,code=sm_90",
                               "-Xcompiler", "-O3,-march=native", "-std=c++17", "-DTILE=32"}));
  EXPECT_TRUE(allowed("hip", {"--offload-arch=gfx942", "-munsafe-fp-atomics", "-O3", "-ffast-math"}));
}

// Each of these runs a program, reads a file, writes elsewhere or links something in.
TEST(BuildFlags, EverythingElseIsRefusedByName) {
  for (const char* f : {"-wrapper", "-fplugin=/tmp/p.so", "-B/tmp", "-specs=/tmp/s", "-I/task", "-isystem/task", "-iquote/x",
                        "-L/tmp", "-lfoo", "@/task/workloads.jsonl", "-Wl,-T,/x", "-Xlinker", "-o", "-x", "-include",
                        "/task/secret.h", "-imacros", "--param=x", "-save-temps", "-MF", "-fdump-tree-all",
                        "-D", "-DX Y", "-DA=$(id)", "-D'A'", "-DA=1\n#include \"/etc/passwd\"", "-Dbad-name=1",
                        "-march=native;id", "-Wa,-a", "-Wp,-v", "-fopenmp=libgomp.so", "--sysroot=/"}) {
    std::string why = build_flags_problem("cpp", {f});
    EXPECT_FALSE(why.empty()) << f;
    EXPECT_NE(why.find("docs/sandbox.md"), std::string::npos) << why;
  }
  EXPECT_NE(build_flags_problem("cpp", {"-O3", "-wrapper", "/bin/sh,-c,id"}).find("'-wrapper'"), std::string::npos);
  for (const char* f : {"-ccbin", "--compiler-bindir=/tmp", "-Xcompiler=-wrapper", "-Xcompiler", "--output-directory",
                        "-odir", "-Xlinker", "-Xptxas=--output-file=/tmp/x", "--default-stream", "-arch=sm_90;id",
                        "--keep", "--keep-dir=/tmp", "-Xnvlink", "--options-file", "-optf", "-Xptxas", "-dryrun"})
    EXPECT_FALSE(allowed("cuda", {f})) << f;
  EXPECT_FALSE(allowed("cuda", {"-Xcompiler", "-fplugin=/x.so"}));
  EXPECT_FALSE(allowed("cuda", {"-Xcompiler", "-O3,-include,/task/x"}));
  EXPECT_FALSE(allowed("hip", {"--offload-arch=gfx942;id"}));
  EXPECT_FALSE(allowed("hip", {"-mllvm", "-foo"}));
}

TEST(BuildFlags, ParamValuesCannotSmuggleFlags) {
  EXPECT_EQ(param_problem("BLOCK", Json(256)), "");
  EXPECT_EQ(param_problem("SCALE", Json(0.5)), "");
  EXPECT_EQ(param_problem("T", Json("float")), "");
  EXPECT_EQ(param_problem("NEG", Json("-1")), "");  // after '=', a leading '-' is only a value
  EXPECT_EQ(param_problem("ON", Json(true)), "");
  for (const char* v : {"1 -wrapper", "a\"b", "x\n#include \"/etc/passwd\"", "$(id)", "a;b", "`id`", "a'b", "a\\b"})
    EXPECT_FALSE(param_problem("P", Json(v)).empty()) << v;
  EXPECT_FALSE(param_problem("1X", Json(1)).empty());
  EXPECT_FALSE(param_problem("A=B", Json(1)).empty());
  EXPECT_FALSE(param_problem("P", Json::array()).empty());
  EXPECT_EQ(param_define_value(Json("float")), "float");
  EXPECT_EQ(param_define_value(Json(7)), "7");
}

TEST(BuildFlags, CudaArchesAreFoundInEverySpelling) {
  auto a = cuda_arches_in_flags({"-arch=sm_80", "-gencode", "arch=compute_90,code=[sm_90,compute_90]", "-O3"});
  EXPECT_EQ(a, (std::vector<std::string>{"sm_80", "compute_90", "sm_90", "compute_90"}));
}

TEST(BuildFlags, RefusedAtLoadWithTheFlagNamed) {
  auto parse = [](const std::string& kda) {
    return parse_solution(Json::parse(R"({"name":"a","spec":{"language":"cpp","entry_point":"k.cc::kda_entry"},)"
                                      R"("sources":[{"path":"k.cc","content":""}],"kda":)" + kda + "}"),
                          "s.json");
  };
  EXPECT_NO_THROW(parse(R"({"build_flags":["-O2","-ffast-math"],"params":{"B":4}})"));
  try {
    parse(R"({"build_flags":["-wrapper","/bin/sh,-c,touch /tmp/pwned"]})");
    FAIL() << "-wrapper was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("-wrapper"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("kda.build_flags"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse(R"({"params":{"B":"1 -B/tmp"}})"), Error);
  EXPECT_THROW(parse(R"({"params":{"B":1},"param_space":{"B":[1,"2;id"]}})"), Error);
}

}  // namespace
}  // namespace kda
