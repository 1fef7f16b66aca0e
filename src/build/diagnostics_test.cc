#include "build/diagnostics.h"

#include <gtest/gtest.h>

#include "core/fs.h"
#include "core/subprocess.h"

namespace kda {
namespace {

const char* kSecret = "kdaHiddenToken42";

// Real g++ output for a solution that includes a file outside it (run unconfined here, as it
// would be on a kernel without Landlock or for a file under an allowed system directory).
TEST(Diagnostics, RealGccErrorsInAForeignFileLoseTheirText) {
  TempDir dir("kda-diag");
  write_file_atomic(dir.path() / "secret.txt", std::string(kSecret) + " leaked = " + kSecret + ";\n");
  write_file_atomic(dir.path() / "k.cc", "#include \"" + (dir.path() / "secret.txt").string() +
                                             "\"\nint f() { return undefined_here; }\n");
  auto r = run_process({.argv = {"g++", "-c", "k.cc", "-o", "/dev/null"}, .cwd = dir.path(),
                        .env_set = {{"LC_ALL", "C"}}, .timeout = std::chrono::seconds(60)});
  ASSERT_FALSE(r.ok());
  ASSERT_NE(r.err.find(kSecret), std::string::npos) << "the test needs g++ to echo the file: " << r.err;
  std::string log = scrub_diagnostics(r.err, {"k.cc"}, {"/usr/include", "/usr/lib/gcc"});
  EXPECT_EQ(log.find(kSecret), std::string::npos) << log;
  EXPECT_NE(log.find("[hidden"), std::string::npos) << log;
  // The solution's own error stays whole, excerpt included.
  EXPECT_NE(log.find("k.cc:2:"), std::string::npos) << log;
  EXPECT_NE(log.find("undefined_here"), std::string::npos) << log;
}

TEST(Diagnostics, ToolchainHeadersAndToolMessagesAreKept) {
  std::string log =
      "In file included from k.cc:1:\n"
      "/usr/include/c++/12/bits/stl_vector.h:10:3: error: no match for 'operator='\n"
      "   10 |   x = y;\n"
      "      |   ^\n"
      "cc1plus: note: unrecognized command-line option\n"
      "k.cu(3): error: identifier \"zz\" is undefined\n"
      "    int a = zz;\n"
      "            ^\n"
      "/etc/passwd(1): error: expected a declaration\n"
      "  root:x:0:0:root:/root:/bin/bash\n"
      "  ^\n"
      "2 errors detected in the compilation of \"k.cu\".\n";
  std::string out = scrub_diagnostics(log, {"k.cu", "k.cc"}, {"/usr/include"});
  EXPECT_NE(out.find("operator="), std::string::npos) << out;
  EXPECT_NE(out.find("x = y"), std::string::npos) << out;
  EXPECT_NE(out.find("int a = zz"), std::string::npos) << out;
  EXPECT_NE(out.find("cc1plus: note"), std::string::npos) << out;
  EXPECT_EQ(out.find("root:x"), std::string::npos) << out;
  EXPECT_NE(out.find("/etc/passwd:1: error: [hidden"), std::string::npos) << out;
  EXPECT_NE(out.find("2 errors detected"), std::string::npos) << out;
}

TEST(Diagnostics, PathTricksAreForeign) {
  std::string log = "../../../tmp/task/w.jsonl:1:2: error: secretword\n   1 | secretword\n";
  std::string out = scrub_diagnostics(log, {"k.cc"}, {"/usr/include"});
  EXPECT_EQ(out.find("secretword"), std::string::npos) << out;
  out = scrub_diagnostics("/usr/include/../../tmp/x:1:1: error: secretword\n", {"k.cc"}, {"/usr/include"});
  EXPECT_EQ(out.find("secretword"), std::string::npos) << out;
}

}  // namespace
}  // namespace kda
