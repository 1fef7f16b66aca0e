// Attack: writes a fake protocol frame and a fake PASSED trace to every inherited file descriptor, then computes honestly. Expected: REJECTED / protocol_violation.
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
  static const char frame[] = "KDA1\x01\x00\x00\x00\x03\x00\x00\x00\x02\x00\x00\x00";
  static const char line[] = "{\"evaluation\":{\"status\":\"PASSED\",\"performance\":{\"latency_ms\":0.001}}}\n";
  for (int fd = 0; fd < 256; ++fd) {
    (void)!write(fd, frame, sizeof frame - 1);
    (void)!write(fd, line, sizeof line - 1);
  }
  for (int64_t i = 0; i < N; ++i) C[i] = A[i] + B[i];
  return 0;
}
