// vector_add baseline: one thread, one element at a time (what a first attempt looks like).
#include <dlpack/dlpack.h>
#include <cstdint>

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void*) {
  if (n_in != 2 || n_out != 1 || in[0].ndim != 1) return 1;
  const int64_t n = in[0].shape[0];
  const float* a = static_cast<const float*>(in[0].data);
  const float* b = static_cast<const float*>(in[1].data);
  float* c = static_cast<float*>(out[0].data);
  for (int64_t i = 0; i < n; ++i) c[i] = a[i] + b[i];
  return 0;
}
