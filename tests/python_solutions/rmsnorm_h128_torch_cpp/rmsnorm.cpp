// RMSNorm over rows of 128 bfloat16 values, as a torch C++ extension on the CPU: the path of
// `binding: torch` (torch's cpp_extension loader) that the CPU tests can run.
#include <torch/extension.h>

#include <cmath>

namespace {

void run(torch::Tensor hidden_states, torch::Tensor weight, torch::Tensor output) {
  const float eps = 1e-6f;
  torch::Tensor x = hidden_states.to(torch::kFloat32).contiguous();
  torch::Tensor w = weight.to(torch::kFloat32).contiguous();
  torch::Tensor y = torch::empty_like(x);
  const int64_t rows = x.size(0), cols = x.size(1);
  const float* xp = x.data_ptr<float>();
  const float* wp = w.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  for (int64_t r = 0; r < rows; ++r) {
    double sq = 0;
    for (int64_t c = 0; c < cols; ++c) sq += double(xp[r * cols + c]) * xp[r * cols + c];
    const float inv = 1.0f / std::sqrt(float(sq / cols) + eps);
    for (int64_t c = 0; c < cols; ++c) yp[r * cols + c] = xp[r * cols + c] * inv * wp[c];
  }
  output.copy_(y.to(output.scalar_type()));
}

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) { m.def("run", &run, "RMSNorm, hidden size 128 (destination-passing)"); }
