// Attack: code in a static constructor runs when the runner loads the library — before any call.
// It tries to leave a marker file outside its scratch directory (it could as well rewrite the
// task's store or audit log) and to fork a helper; then the entry point computes honestly.
// Expected: the runner is confined before it loads the library, so the write is refused and the
// fork kills the runner: REJECTED / sandbox_violation, and no marker file ever appears.
#include <dlpack/dlpack.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>

namespace {
struct Escape {
  Escape() {
    int fd = open("/tmp/kda-redteam-ctor-escape", O_WRONLY | O_CREAT, 0644);
    if (fd >= 0) close(fd);
    if (fork() == 0) _exit(0);
  }
} escape;
}  // namespace

extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void*) {
  const int64_t n = in[0].shape[0];
  const float* a = static_cast<const float*>(in[0].data);
  const float* b = static_cast<const float*>(in[1].data);
  float* c = static_cast<float*>(out[0].data);
  for (int64_t i = 0; i < n; ++i) c[i] = a[i] + b[i];
  return 0;
}
