// Throughput of the task formats: definition and workload JSON parsing, safetensors parsing of a
// ~64 MB file, and input generation. Figures: docs/results.md, "Formats".
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/fs.h"
#include "core/json_io.h"
#include "task/definition.h"
#include "task/inputs.h"
#include "task/safetensors.h"
#include "task/test_data.h"
#include "task/workload.h"

namespace kda {
namespace {

void BM_ParseDefinition(benchmark::State& state) {
  const std::string text = testdata::kDefinitionKda;
  for (auto _ : state) benchmark::DoNotOptimize(parse_definition(parse_json(text, "d"), "d"));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_ParseDefinition);

// A workloads.jsonl of 1,000 flashinfer-bench lines, parsed and checked like load_workloads does.
void BM_ParseWorkloadLines(benchmark::State& state) {
  std::vector<std::string> lines;
  size_t bytes = 0;
  for (int i = 0; i < 1000; ++i) {
    lines.push_back(R"({"definition": "rmsnorm_h128", "solution": null, "workload": {"uuid": "w-)" + std::to_string(i) +
                    R"(", "axes": {"M": )" + std::to_string(i + 1) +
                    R"(}, "inputs": {"x": {"type": "random"}, "eps": {"type": "scalar", "value": 1e-6}}, "kda": {"split": "public"}}, "evaluation": null})");
    bytes += lines.back().size() + 1;
  }
  for (auto _ : state)
    for (const std::string& l : lines) benchmark::DoNotOptimize(parse_workload(parse_json(l, "w"), "w"));
  state.SetItemsProcessed(state.iterations() * 1000);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ParseWorkloadLines)->Unit(benchmark::kMillisecond);

std::string make_64mb_file() {
  std::vector<HostTensor> ts;
  for (int i = 0; i < 4; ++i) {
    HostTensor t;
    t.name = "t" + std::to_string(i);
    t.dtype = i % 2 ? DType::kBFloat16 : DType::kFloat32;
    t.shape = {4096, static_cast<int64_t>(4096 / dtype_size(t.dtype))};
    t.allocate();
    ts.push_back(std::move(t));
  }
  return serialize_safetensors(ts);
}

void BM_ParseSafetensors64MB(benchmark::State& state) {
  const std::string bytes = make_64mb_file();
  for (auto _ : state) benchmark::DoNotOptimize(parse_safetensors(bytes, "mem"));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}
BENCHMARK(BM_ParseSafetensors64MB)->Unit(benchmark::kMillisecond);

void BM_ReadSafetensorsFile64MB(benchmark::State& state) {
  TempDir dir("kda-bench");
  const std::string bytes = make_64mb_file();
  write_file_atomic(dir.path() / "t.safetensors", bytes);
  for (auto _ : state) benchmark::DoNotOptimize(read_safetensors(dir.path() / "t.safetensors"));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}
BENCHMARK(BM_ReadSafetensorsFile64MB)->Unit(benchmark::kMillisecond);

// 16M elements of one dtype: float32 (normal), bfloat16 (normal), int32 (uniform ints).
void BM_GenerateInputs(benchmark::State& state, const char* dtype) {
  Definition d = parse_definition(parse_json(std::string(R"({"name": "g", "axes": {"N": {"type": "var"}},
      "inputs": {"x": {"shape": ["N"], "dtype": ")") + dtype + R"("}}, "outputs": {"y": {"shape": ["N"], "dtype": "float32"}}})", "g"), "g");
  Workload w = parse_workload(parse_json(R"({"uuid": "big", "axes": {"N": 16777216}})", "w"), "w");
  uint64_t draw = 0;
  for (auto _ : state) benchmark::DoNotOptimize(generate_inputs(d, w, 1, draw++, "."));
  state.SetItemsProcessed(state.iterations() * 16777216);
}
BENCHMARK_CAPTURE(BM_GenerateInputs, float32, "float32")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_GenerateInputs, bfloat16, "bfloat16")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_GenerateInputs, int32, "int32")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kda

BENCHMARK_MAIN();
