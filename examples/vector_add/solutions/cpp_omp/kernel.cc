// vector_add, improved: split the vector across cores; each thread streams a contiguous chunk
// the compiler vectorises. Memory-bound, so the gain is the extra memory parallelism of cores.
#include <dlpack/dlpack.h>
#include <omp.h>
#include <cstdint>

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void*) {
  if (n_in != 2 || n_out != 1 || in[0].ndim != 1) return 1;
  const int64_t n = in[0].shape[0];
  const float* __restrict a = static_cast<const float*>(in[0].data);
  const float* __restrict b = static_cast<const float*>(in[1].data);
  float* __restrict c = static_cast<float*>(out[0].data);
  if (n < (1 << 16)) {  // threads cost more than they save on small inputs
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) c[i] = a[i] + b[i];
    return 0;
  }
#pragma omp parallel for simd schedule(static)
  for (int64_t i = 0; i < n; ++i) c[i] = a[i] + b[i];
  return 0;
}
