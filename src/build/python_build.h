// Solutions that run in the Python runner (docs/evaluator.md "The Python runner"):
//   python, triton             the sources are staged as they are (no compile step);
//   cpp or cuda + binding torch compiled into a torch extension module by kda_torch_build.py,
//                              under the same confinement as every build (docs/sandbox.md);
//   a definition's `reference` (flashinfer-bench's PyTorch `run`), staged as reference.py.
// binding tvm-ffi is refused with one message (kEnvironment): kda has no TVM-FFI loader.
// The result is a BuildResult whose `python` part tells the judge how to start the runner.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "build/builder.h"
#include "task/definition.h"
#include "task/solution.h"

namespace kda {

/// spec.binding ("torch", "tvm-ffi" or "") and spec.destination_passing_style (default true).
std::string solution_binding(const Solution& s);
bool destination_passing_style(const Solution& s);

/// True for python/triton solutions and C++/CUDA ones with a binding: the Python runner's.
bool runs_in_python(const Solution& s);

/// The definition's PyTorch reference as a value-returning Python solution ("reference.py::run").
Solution python_reference_solution(const Definition& d);

/// Stages (or, for binding torch, compiles) `s`; cached like native builds under the key.
/// Never throws for the candidate's faults (those are a failed BuildResult); kEnvironment when
/// the binding is tvm-ffi or Python/torch is missing for a torch build.
BuildResult build_python_solution(const Solution& s, const BuildOptions& opt);

/// The python3 the runner uses: $KDA_PYTHON, else the first `python3` on PATH that has torch,
/// else /usr/bin/python3 when it has torch, else the first python3 on PATH (whose runner then
/// reports that torch is missing). Looked up once per process.
std::filesystem::path python_executable();

}  // namespace kda
