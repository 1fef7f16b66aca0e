// Attack: correct output, but reuses input a as scratch (a[i] = c[i]). Expected: REJECTED / input_mutated.
#include <dlpack/dlpack.h>
#include <cstdint>
#include <cstring>
#define ARGS const DLTensor* in, int, DLTensor* out, int, void*
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
extern "C" int kda_entry(ARGS) {
  float* a = static_cast<float*>(in[0].data);
  for (int64_t i = 0; i < N; ++i) {
    C[i] = a[i] + B[i];
    a[i] = C[i];
  }
  return 0;
}
