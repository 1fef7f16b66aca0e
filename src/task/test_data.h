// Small fixtures shared by the task module's tests, written from the flashinfer-bench schema.
#pragma once

#include <string>

namespace kda::testdata {

inline const char* kDefinition = R"({
  "name": "rmsnorm_h128",
  "op_type": "rmsnorm",
  "tags": ["status:verified"],
  "description": "RMS norm over the last axis",
  "axes": {"M": {"type": "var", "description": "rows"}, "H": {"type": "const", "value": 128}},
  "inputs": {"x": {"shape": ["M", "H"], "dtype": "bfloat16"}, "w": {"shape": ["H"], "dtype": "bfloat16"},
             "eps": {"shape": null, "dtype": "float32"}},
  "outputs": {"y": {"shape": ["M", "H"], "dtype": "bfloat16"}},
  "reference": "import torch\ndef run(x, w, eps):\n    return x\n"
})";

inline const char* kWorkloadLine =
    R"({"definition": "rmsnorm_h128", "solution": null, "workload": {"uuid": "w-1", "axes": {"M": 7}, "inputs": {"x": {"type": "random"}, "w": {"type": "random"}, "eps": {"type": "scalar", "value": 1e-6}}}, "evaluation": null})";

inline const char* kSolution = R"({
  "name": "rmsnorm_cuda_v1", "definition": "rmsnorm_h128", "author": "someone",
  "spec": {"language": "cuda", "target_hardware": ["H100"], "entry_point": "main.cu::run", "dependencies": []},
  "sources": [{"path": "main.cu", "content": "// kernel"}], "description": "d"
})";

}  // namespace kda::testdata
