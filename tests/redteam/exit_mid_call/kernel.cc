// Attack: calls _exit(0) inside the call, hoping an exit status of 0 reads as success. Expected: RUNTIME_ERROR / exit_during_call.
#include <dlpack/dlpack.h>
#include <cstdint>
#include <cstring>
#define ARGS const DLTensor* in, int, DLTensor* out, int, void*
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
#include <unistd.h>
extern "C" int kda_entry(ARGS) {
  (void)in; (void)out;
  _exit(0);
}
