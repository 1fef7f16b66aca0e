// No false accusations (issue 14 §3): a roofline floor computed from peaks that a busy machine
// measured too low must not reject an honest candidate. The judge measures the peaks again before
// it rejects, keeps the higher figures, and the cache is repaired for every later evaluation.
#include <gtest/gtest.h>

#include "core/fs.h"
#include "tests/e2e_support.h"

namespace kda::e2e {
namespace fs = std::filesystem;

TEST(FalseAccusation, PeaksCachedTooLowAreMeasuredAgainBeforeAnHonestCandidateIsRejected) {
  TempDir dir("kda-false-accusation");
  fs::path task = init_task(dir.path(), "vector_add");
  write_vector_add_workloads(task, {1 << 20});
  const fs::path cache = dir.path() / "cache";
  auto first = kda({"eval", task.string(), (task / "solutions" / "cpp_omp").string(), "--json", "--budget", "0.2"}, cache);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(traces_of(first.out).at(0)["evaluation"]["status"], "PASSED") << first.out;

  // The peaks as a badly loaded machine might have measured them: a floor of about 12 ms for
  // 12 MB (1 GB/s), hundreds of times what the call takes.
  fs::path peaks;
  for (auto& e : fs::directory_iterator(cache / "devices")) peaks = e.path();
  ASSERT_FALSE(peaks.empty());
  Json p = read_json_file(peaks);
  const double real_gbs = p["copy_bandwidth_gbs"].get<double>();
  ASSERT_GT(real_gbs, 1.0);
  p["copy_bandwidth_gbs"] = 1.0;
  p["fma_gflops"] = 0.001;
  write_file_atomic(peaks, p.dump(2));

  auto again = kda({"eval", task.string(), (task / "solutions" / "cpp_omp").string(), "--json", "--budget", "0.2"}, cache);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const Json t = traces_of(again.out).at(0);
  EXPECT_EQ(t["evaluation"]["status"], "PASSED") << t.dump();
  EXPECT_NE(again.err.find("not under the floor of peaks measured again"), std::string::npos) << again.err;
  Json repaired = read_json_file(peaks);
  EXPECT_GT(repaired["copy_bandwidth_gbs"].get<double>(), 1.0) << "the cache keeps the fresh, higher figure";
  EXPECT_GT(repaired["fma_gflops"].get<double>(), 0.001);
}

}  // namespace kda::e2e
