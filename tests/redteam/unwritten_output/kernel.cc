// Attack: writes only the first half of c. Expected: INCORRECT_NUMERICAL / unwritten_output.
#include <dlpack/dlpack.h>
#include <cstdint>
#include <cstring>
#define ARGS const DLTensor* in, int, DLTensor* out, int, void*
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
extern "C" int kda_entry(ARGS) {
  for (int64_t i = 0; i < N / 2; ++i) C[i] = A[i] + B[i];
  return 0;
}
