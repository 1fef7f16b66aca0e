// Attack: honest on the first two calls of the process (the ones a naive harness checks), then computes only every 16th element. Expected: INCORRECT_NUMERICAL / timed_output_mismatch.
#include <dlpack/dlpack.h>
#include <cstdint>
#include <cstring>
#define ARGS const DLTensor* in, int, DLTensor* out, int, void*
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
extern "C" int kda_entry(ARGS) {
  static int calls = 0;
  const int64_t step = ++calls <= 2 ? 1 : 16;
  for (int64_t i = 0; i < N; i += step) C[i] = A[i] + B[i];
  return 0;
}
