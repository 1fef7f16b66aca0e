// Attack: returns all zeros at no cost. Expected: INCORRECT_NUMERICAL / degenerate_output.
#include <dlpack/dlpack.h>
#include <cstdint>
#include <cstring>
#define ARGS const DLTensor* in, int, DLTensor* out, int, void*
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
extern "C" int kda_entry(ARGS) {
  std::memset(C, 0, N * sizeof(float));
  return 0;
}
