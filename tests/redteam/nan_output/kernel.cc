// Attack: correct except one NaN, which a tolerance-only check treats as a match. Expected: INCORRECT_NUMERICAL / nan_in_output.
#include <dlpack/dlpack.h>
#include <cstdint>
#include <cstring>
#define ARGS const DLTensor* in, int, DLTensor* out, int, void*
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
#include <cmath>
extern "C" int kda_entry(ARGS) {
  for (int64_t i = 0; i < N; ++i) C[i] = A[i] + B[i];
  C[N / 2] = std::nanf("");
  return 0;
}
