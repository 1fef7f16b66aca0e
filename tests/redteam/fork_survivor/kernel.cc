// Attack: forks a child that leaves the process group (setsid) and tries to outlive the run, writing a marker file 3 s later; the parent computes honestly. Expected: REJECTED / sandbox_violation (and no marker file ever appears).
#include <dlpack/dlpack.h>
#include <cstdint>
#include <cstring>
#define ARGS const DLTensor* in, int, DLTensor* out, int, void*
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
#include <fcntl.h>
#include <unistd.h>
extern "C" int kda_entry(ARGS) {
  if (fork() == 0) {
    setsid();
    sleep(3);
    int fd = open("/tmp/kda-redteam-survivor", O_WRONLY | O_CREAT, 0644);
    if (fd >= 0) close(fd);
    _exit(0);
  }
  for (int64_t i = 0; i < N; ++i) C[i] = A[i] + B[i];
  return 0;
}
