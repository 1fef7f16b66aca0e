// The sampling check end to end through the real kda binary and runners (docs/evaluator.md,
// "Verdicts on flashinfer-bench tasks"): a definition of flashinfer-bench's op_type "sampling"
// gets the validation calls and the distribution step, so an honest sampler passes, one that
// ignores top-k is caught by a sample outside the mask, and one that samples the right tokens
// with the wrong probabilities is caught by the total variation distance.
#include <gtest/gtest.h>

#include <fstream>

#include "core/fs.h"
#include "tests/e2e_support.h"

namespace kda::e2e {
namespace fs = std::filesystem;

namespace {

// kda_entry(probs [B, V] f32, top_k [B] i32) -> samples [B] i64. MODE 0 samples the top-k
// filtered distribution, 1 ignores top_k, 2 samples the top-k tokens uniformly.
std::string sampler(int mode) {
  return R"(#include <dlpack/dlpack.h>
#include <algorithm>
#include <cstdint>
#include <vector>
static uint64_t state = 0x9e3779b97f4a7c15ull;
static double uniform() {  // xorshift64*: the runner is a fresh process per workload
  state ^= state >> 12; state ^= state << 25; state ^= state >> 27;
  return static_cast<double>((state * 2685821657736338717ull) >> 11) * 0x1.0p-53;
}
extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void*) {
  if (n_in != 2 || n_out != 1 || in[0].ndim != 2) return 1;
  const int64_t b = in[0].shape[0], v = in[0].shape[1];
  const float* p = static_cast<const float*>(in[0].data);
  const int32_t* top_k = static_cast<const int32_t*>(in[1].data);
  int64_t* s = static_cast<int64_t*>(out[0].data);
  std::vector<double> w(static_cast<size_t>(v));
  for (int64_t r = 0; r < b; ++r) {
    const float* pr = p + r * v;
    std::vector<float> sorted(pr, pr + v);
    std::sort(sorted.begin(), sorted.end(), [](float x, float y) { return x > y; });
    const int64_t k = top_k[r];
    const float pivot = )" + std::string(mode == 1 ? "0.0f" : "(k > 0 && k < v) ? sorted[static_cast<size_t>(k - 1)] : 0.0f") + R"(;
    double sum = 0;
    for (int64_t j = 0; j < v; ++j) sum += w[static_cast<size_t>(j)] = pr[j] >= pivot ? )" +
         std::string(mode == 2 ? "1.0" : "static_cast<double>(pr[j])") + R"( : 0.0;
    double u = uniform() * sum;
    int64_t j = 0;
    while (j + 1 < v && (u -= w[static_cast<size_t>(j)]) >= 0) ++j;
    while (w[static_cast<size_t>(j)] == 0 && j > 0) --j;
    s[r] = j;
  }
  return 0;
}
)";
}

void write_solution(const fs::path& dir, const std::string& name, int mode) {
  fs::create_directories(dir);
  std::ofstream(dir / "sampler.cc") << sampler(mode);
  std::ofstream(dir / "solution.json") << R"({"name": ")" << name << R"(", "definition": "top_k_sampling_from_probs_v64",
    "author": "test", "spec": {"language": "cpp", "target_hardware": ["cpu"], "entry_point": "sampler.cc::kda_entry"},
    "sources": [{"path": "sampler.cc"}]})";
}

class Sampling : public ::testing::Test {
 protected:
  TempDir dir{"kda-sampling-test"};
  fs::path task = dir.path() / "task";
  fs::path cache() { return dir.path() / "cache"; }

  void SetUp() override {
    fs::create_directories(task);
    Json ref = {{"language", "cpp"}, {"entry_point", "sampler.cc::kda_entry"},
                {"sources", Json::array({{{"path", "sampler.cc"}, {"content", sampler(0)}}})}};
    Json def = {{"name", "top_k_sampling_from_probs_v64"}, {"op_type", "sampling"},
                {"axes", {{"batch_size", {{"type", "var"}}}, {"vocab_size", {{"type", "const"}, {"value", 64}}}}},
                {"inputs", {{"probs", {{"shape", {"batch_size", "vocab_size"}}, {"dtype", "float32"}}},
                            {"top_k", {{"shape", {"batch_size"}}, {"dtype", "int32"}}}}},
                {"outputs", {{"samples", {{"shape", {"batch_size"}}, {"dtype", "int64"}}}}},
                {"reference", "import torch\ndef run(probs, top_k):\n    return torch.multinomial(probs, 1).squeeze(1)\n"},
                // 20,000 samples a row instead of 500,000: 8 calls on 2 cores; the noise of an
                // honest sampler's TVD over 8 (or 64) tokens is then about 0.01 (0.02).
                {"kda", {{"sampling", {{"samples_per_row", 20000}, {"validation_trials", 10}}}, {"reference", Json::array({ref})}}}};
    std::ofstream(task / "definition.json") << def.dump(1);
    // Workload k8: top-8 of every row (the mask matters); k0: no filtering (the distribution does).
    std::ofstream(task / "workloads.jsonl")
        << R"({"uuid": "k8", "axes": {"batch_size": 4}, "inputs": {"top_k": {"type": "scalar", "value": 8}}})" "\n"
        << R"({"uuid": "k0", "axes": {"batch_size": 4}, "inputs": {"top_k": {"type": "scalar", "value": 0}}})" "\n";
    write_solution(task / "baseline" / "cpp", "baseline", 0);
  }

  std::map<std::string, Json> eval(const std::string& name, int mode) {
    write_solution(dir.path() / name, name, mode);
    auto r = kda({"eval", task.string(), (dir.path() / name).string(), "--json", "--budget", "0.2", "--timeout", "20"}, cache());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, Json> by_uuid;
    for (const Json& t : traces_of(r.out)) by_uuid[t["workload"]["uuid"].get<std::string>()] = t;
    EXPECT_EQ(by_uuid.size(), 2u) << r.out << r.err;
    return by_uuid;
  }
};

}  // namespace

TEST_F(Sampling, HonestSamplerPasses) {
  for (auto& [uuid, t] : eval("honest", 0))
    EXPECT_EQ(t["evaluation"]["status"], "PASSED") << uuid << ": " << t.dump();
}

TEST_F(Sampling, IgnoringTopKIsASampleOutsideTheMask) {
  auto t = eval("ignores_top_k", 1);
  EXPECT_EQ(t["k8"]["evaluation"]["status"], "INCORRECT_NUMERICAL") << t["k8"].dump();
  EXPECT_EQ(t["k8"]["kda"]["reason_code"], "invalid_sample") << t["k8"].dump();
  EXPECT_EQ(t["k0"]["evaluation"]["status"], "PASSED") << t["k0"].dump();  // nothing to ignore there
}

TEST_F(Sampling, RightTokensWithWrongProbabilitiesFailTheDistribution) {
  auto t = eval("uniform", 2);
  EXPECT_EQ(t["k0"]["evaluation"]["status"], "INCORRECT_NUMERICAL") << t["k0"].dump();
  EXPECT_EQ(t["k0"]["kda"]["reason_code"], "sampling_distribution") << t["k0"].dump();
}

}  // namespace kda::e2e
