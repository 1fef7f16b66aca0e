// Speedups through the real CLI. These tests run alone (SERIAL): the improved CPU candidates use
// every core, and a neighbouring test under ctest -j would take one away from them.
#include <gtest/gtest.h>

#include "core/fs.h"
#include "tests/e2e_support.h"

namespace kda::e2e {
namespace fs = std::filesystem;

TEST(Speedup, ImprovedVectorAddBeatsTheBaselineOnALargeWorkload) {
  TempDir dir{"kda-speedup-test"};
  fs::path task = init_task(dir.path(), "vector_add");
  write_vector_add_workloads(task, {4000000});
  auto r = kda({"eval", task.string(), (task / "solutions" / "cpp_omp").string(), "--json", "--budget", "0.5"},
               dir.path() / "cache");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto traces = traces_of(r.out);
  ASSERT_EQ(traces.size(), 1u);
  ASSERT_EQ(traces[0]["evaluation"]["status"], "PASSED") << traces[0].dump();
  EXPECT_GT(traces[0]["evaluation"]["performance"]["speedup_factor"].get<double>(), 1.0) << traces[0].dump();
}

}  // namespace kda::e2e
