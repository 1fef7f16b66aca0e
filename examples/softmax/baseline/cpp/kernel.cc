// softmax baseline: one thread, three scalar passes per row (max, sum of exp, normalise),
// exp evaluated twice per element. What a first attempt looks like.
#include <dlpack/dlpack.h>
#include <cmath>
#include <cstdint>

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void*) {
  if (n_in != 1 || n_out != 1 || in[0].ndim != 2 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLFloat || in[0].dtype.bits != 32) return 1;
  const int64_t m = in[0].shape[0], d = in[0].shape[1];
  const float* x = static_cast<const float*>(in[0].data);
  float* y = static_cast<float*>(out[0].data);
  for (int64_t r = 0; r < m; ++r) {
    const float* xr = x + r * d;
    float* yr = y + r * d;
    float mx = xr[0];
    for (int64_t j = 1; j < d; ++j)
      if (xr[j] > mx) mx = xr[j];
    float sum = 0.0f;
    for (int64_t j = 0; j < d; ++j) sum += std::exp(xr[j] - mx);
    for (int64_t j = 0; j < d; ++j) yr[j] = std::exp(xr[j] - mx) / sum;
  }
  return 0;
}
