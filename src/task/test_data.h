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

// A trace line as flashinfer-bench writes it (no "kda" block).
inline const char* kTrace = R"({"definition": "rmsnorm_h128",
  "workload": {"uuid": "w-1", "axes": {"M": 7}, "inputs": {"x": {"type": "random"}}},
  "solution": "rmsnorm_cuda_v1",
  "evaluation": {"status": "PASSED", "log": "", "timestamp": "2025-06-01T12:00:00Z",
                 "environment": {"hardware": "NVIDIA H100", "libs": {"torch": "2.6.0", "cuda": "12.8"}},
                 "correctness": {"max_relative_error": 0.001, "max_absolute_error": 0.0005},
                 "performance": {"latency_ms": 0.02, "reference_latency_ms": 0.05, "speedup_factor": 2.5}}})";

// A definition using every kda extension (for the fuzzers and round trips).
inline const char* kDefinitionKda = R"({
  "name": "gemm_n4096", "op_type": "gemm", "description": "C = A B^T", "tags": ["kda"],
  "axes": {"M": {"type": "var"}, "N": {"type": "const", "value": 4096}, "K": {"type": "const", "value": 512}},
  "inputs": {"A": {"shape": ["M", "K"], "dtype": "float16"}, "B": {"shape": ["N", "K"], "dtype": "float8_e4m3fn"},
             "s": {"shape": [], "dtype": "float32"}, "idx": {"shape": ["M", 2], "dtype": "int64"}},
  "outputs": {"C": {"shape": ["M", "N"], "dtype": "bfloat16"}},
  "reference": "def run(A, B, s, idx):\n    return A @ B.T\n",
  "kda": {"schema_version": 1, "tolerance": {"atol": 0.05, "rtol": 0.02, "required_matched_ratio": 0.99},
          "flops": "2*M*N*K", "bytes": "2*M*K + N*K + 2*M*N", "comparator": "allclose",
          "reference": [{"language": "cpp", "entry_point": "ref.cc::kda_entry",
                         "sources": [{"path": "ref.cc", "content": "extern \"C\" int kda_entry();"}]}],
          "inputs": {"A": {"dist": "uniform", "low": -1, "high": 1}}}
})";

}  // namespace kda::testdata
