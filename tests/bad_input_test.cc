// Bad input never crashes kda (issue 14 §4), through the real kda binary: bytes that are not
// UTF-8 in a candidate's output or a compiler's diagnostics are recorded as U+FFFD, and the
// store and audit log stay readable afterwards.
#include <gtest/gtest.h>

#include "core/fs.h"
#include "tests/e2e_support.h"

namespace kda::e2e {
namespace fs = std::filesystem;

namespace {

class BadInput : public ::testing::Test {
 protected:
  TempDir dir{"kda-bad-input-test"};
  fs::path cache() { return dir.path() / "cache"; }
  fs::path redteam(const std::string& name) { return fs::path(KDA_SOURCE_DIR) / "tests/redteam" / name; }
};

}  // namespace

TEST_F(BadInput, InvalidUtf8FromACandidateOrACompilerIsRecordedNotFatal) {
  fs::path task = init_task(dir.path(), "vector_add");
  write_vector_add_workloads(task, {100});
  for (const char* name : {"invalid_utf8_output", "invalid_utf8_diagnostics"}) {
    auto r = kda({"eval", task.string(), redteam(name).string(), "--json", "--budget", "0.1", "--timeout", "5"}, cache());
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    auto traces = traces_of(r.out);
    ASSERT_EQ(traces.size(), 1u) << r.out;
    const std::string log = traces[0]["evaluation"]["log"];
    EXPECT_NE(log.find("\xEF\xBF\xBD"), std::string::npos) << name << ": the bad bytes should show as U+FFFD: " << log;
  }
  auto show = kda({"store", "show", task.string(), "--json"}, cache());
  EXPECT_EQ(show.exit_code, 0) << show.err;
  auto verify = kda({"audit", "verify", task.string()}, cache());
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  // A second evaluation (what `kda resume` does after a crash) reads the store and appends again.
  auto again = kda({"eval", task.string(), redteam("invalid_utf8_output").string(), "--budget", "0.1", "--timeout", "5"}, cache());
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

}  // namespace kda::e2e
