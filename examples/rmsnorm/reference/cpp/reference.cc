// rmsnorm reference: y[i, j] = x[i, j] / sqrt(mean_j(x[i, :]^2) + eps) * weight[j], eps = 1e-6,
// everything in double.
#include <dlpack/dlpack.h>
#include <cmath>
#include <cstdint>

constexpr double kEps = 1e-6;

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void*) {
  if (n_in != 2 || n_out != 1 || in[0].ndim != 2 || in[1].ndim != 1 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLFloat || in[0].dtype.bits != 32 || in[1].dtype.bits != 32) return 1;
  const int64_t m = in[0].shape[0], d = in[0].shape[1];
  if (in[1].shape[0] != d) return 1;
  const float* x = static_cast<const float*>(in[0].data);
  const float* w = static_cast<const float*>(in[1].data);
  float* y = static_cast<float*>(out[0].data);
  for (int64_t r = 0; r < m; ++r) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    double ss = 0.0;
    for (int64_t j = 0; j < d; ++j) ss += static_cast<double>(xr[j]) * xr[j];
    const double rms = std::sqrt(ss / static_cast<double>(d) + kEps);
    for (int64_t j = 0; j < d; ++j) yr[j] = static_cast<float>(xr[j] / rms * w[j]);
  }
  return 0;
}
