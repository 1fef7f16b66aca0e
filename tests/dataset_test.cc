// The real kda binary on a flashinfer-trace dataset (the vendored real files of
// tests/data/flashinfer_trace, copied to a scratch folder): selection by --definition and
// --op-type and its errors, Git LFS pointers, --hidden, and kda traces show / compare on traces
// flashinfer-bench wrote. Evaluating the dataset's definitions end to end needs the Python
// runner for their PyTorch references and is tested beside it.
#include <gtest/gtest.h>

#include "core/fs.h"
#include "tests/e2e_support.h"

namespace kda::e2e {
namespace fs = std::filesystem;

namespace {

const fs::path kData = fs::path(KDA_SOURCE_DIR) / "tests" / "data";

class Dataset : public ::testing::Test {
 protected:
  void SetUp() override { fs::copy(kData / "flashinfer_trace", ds(), fs::copy_options::recursive); }
  fs::path ds() const { return dir_.path() / "ds"; }
  fs::path cache() const { return dir_.path() / "cache"; }
  ProcessResult run(const std::vector<std::string>& args) { return kda(args, cache()); }
  TempDir dir_{"kda-dataset-e2e"};
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_F(Dataset, ADatasetRootNeedsADefinitionAndNamesNearMatches) {
  auto r = run({"eval", ds().string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(has(r.err, "is a flashinfer-trace dataset: choose definitions with --definition NAME or --op-type TYPE")) << r.err;

  r = run({"eval", ds().string(), "--definition", "rmsnorm_h12"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_TRUE(has(r.err, "has no definition named 'rmsnorm_h12'; did you mean rmsnorm_h128, rmsnorm_h2048?")) << r.err;

  r = run({"tune", ds().string(), "--op-type", "norm"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_TRUE(has(r.err, "no definition of op_type 'norm' (its op types: dsa_paged, gemm, rmsnorm, sampling)")) << r.err;

  // Found, but the dataset at ecafa9c has no solutions: said so, nothing created in the dataset.
  r = run({"eval", ds().string(), "--definition", "rmsnorm_h128"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(has(r.err, "no solutions given and none under " + (ds() / "solutions").string() + " for rmsnorm_h128")) << r.err;
  EXPECT_FALSE(fs::exists(ds() / ".kda"));
  EXPECT_FALSE(fs::exists(ds() / "traces" / "kda"));

  r = run({"run", ds().string(), "--definition", "rmsnorm_h128", "--store", (dir_.path() / "s").string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(has(r.err, "kda run does not take --store or --hidden")) << r.err;
}

TEST_F(Dataset, SelectionOptionsOnATaskDirectoryAreAUsageError) {
  fs::path task = init_task(dir_.path(), "vector_add");
  auto r = run({"eval", task.string(), "--definition", "vector_add"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(has(r.err, "--definition and --op-type choose definitions of a flashinfer-trace dataset")) << r.err;
}

TEST_F(Dataset, AGitLfsPointerIsNamedWithHowToFetchIt) {
  const std::string blob = "blob/workloads/rmsnorm/rmsnorm_h128/rmsnorm_h128_w1.safetensors";
  write_file_atomic(ds() / blob, "version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 1\n");
  write_file_atomic(ds() / "workloads/rmsnorm/rmsnorm_h128.jsonl",
                    R"({"definition": "rmsnorm_h128", "solution": null, "workload": {"uuid": "w1", "axes": {"batch_size": 4}, )"
                    R"("inputs": {"weight": {"type": "safetensors", "path": "./)" + blob + R"(", "tensor_key": "weight"}}}, "evaluation": null})" "\n");
  auto r = run({"eval", ds().string(), "--definition", "rmsnorm_h128"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(has(r.err, "is a Git LFS pointer file, not the safetensors blob")) << r.err;
  EXPECT_TRUE(has(r.err, "git lfs pull --include '" + blob + "'")) << r.err;
}

TEST_F(Dataset, AHiddenFileNamingAnUnknownWorkloadIsAnInputError) {
  write_file_atomic(dir_.path() / "hidden.txt", "not-a-uuid-of-this-definition\n");
  auto r = run({"eval", ds().string(), "--definition", "gemm_n128_k2048", "--hidden", (dir_.path() / "hidden.txt").string()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(has(r.err, "hidden.txt:1: workload 'not-a-uuid-of-this-definition' is not a workload of gemm_n128_k2048")) << r.err;
  r = run({"eval", ds().string(), "--definition", "gemm_n128_k2048", "--hidden", (dir_.path() / "absent.txt").string()});
  EXPECT_EQ(r.exit_code, 4) << r.err;
}

TEST_F(Dataset, TracesShowTablesEachDefinitionBySolution) {
  auto r = run({"traces", "show", (ds() / "traces").string(), (kData / "handwritten_traces").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "gemm_n128_k2048 (29 traces, 2 solutions)")) << r.out;
  EXPECT_TRUE(has(r.out, "speedup_vs_reference")) << r.out;
  // The trace flashinfer-bench wrote: 25 workloads on an A800, 3 of them INCORRECT_NUMERICAL.
  EXPECT_TRUE(has(r.out, "INCORRECT_NUMERICAL 3, PASSED 22")) << r.out;
  EXPECT_TRUE(has(r.out, "NVIDIA A800-SXM4-80GB")) << r.out;
  // Its speedups against the reference: geomean of the PASSED ones, below 1 (torch's GEMM wins).
  EXPECT_TRUE(has(r.out, "0.17x (geomean)")) << r.out;
  // The hand-written one: "NaN"/"Infinity" errors read, a RUNTIME_ERROR counted.
  EXPECT_TRUE(has(r.out, "INCORRECT_NUMERICAL 1, PASSED 2, RUNTIME_ERROR 1")) << r.out;

  r = run({"traces", "show", (ds() / "workloads").string()});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_TRUE(has(r.err, "workload lines, which are not traces")) << r.err;

  write_file_atomic(dir_.path() / "bad.jsonl", "{\"definition\": \"d\"\n");
  r = run({"traces", "show", (dir_.path() / "bad.jsonl").string()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(has(r.err, "bad.jsonl:1")) << r.err;
}

TEST_F(Dataset, TracesCompareTwoSolutionsWorkloadByWorkload) {
  const std::string a = "gpt-5_gemm_n128_k2048_cuda_optimized_r8_c0_high", b = "handwritten_gemm_triton_v1";
  auto r = run({"traces", "compare", (ds() / "traces").string(), (kData / "handwritten_traces").string(), "--solutions", a, b});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "gemm_n128_k2048 (A = " + a + ", B = " + b + "): 4 workloads with traces of both, 2 PASSED by both")) << r.out;
  EXPECT_TRUE(has(r.out, "B faster on 2 of 2")) << r.out;
  // M=6: 0.09216 ms against 0.05 ms.
  EXPECT_TRUE(has(r.out, "6ba7c7de-dc5a-48d2-8ada-1382feb5ceac  M=6   PASSED    0.0922  PASSED               0.0500  1.84x")) << r.out;
  EXPECT_TRUE(has(r.out, "RUNTIME_ERROR")) << r.out;

  r = run({"traces", "compare", (ds() / "traces").string(), "--solutions", a, "nobody"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_TRUE(has(r.err, "no traces of solution 'nobody'")) << r.err;
  r = run({"traces", "compare", (ds() / "traces").string(), "--solutions", a});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace kda::e2e
