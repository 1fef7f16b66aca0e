// Attack: patches clock_gettime in memory (x86-64 jump to its own function) so the runner's timer reads 1000x too little, then computes honestly. Expected: REJECTED / sandbox_violation (making code writable+executable is forbidden; without the sandbox the wall-clock cross-check catches it).
#include <dlpack/dlpack.h>
#include <cstdint>
#include <cstring>
#define ARGS const DLTensor* in, int, DLTensor* out, int, void*
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
#include <dlfcn.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
static int fake_clock(clockid_t, struct timespec* ts) {
  static long t = 0;
  t += 1000;  // 1 us per reading: everything looks ~free
  ts->tv_sec = t / 1000000000L;
  ts->tv_nsec = t % 1000000000L;
  return 0;
}
static void patch() {
  void* target = dlsym(RTLD_DEFAULT, "clock_gettime");
  if (!target) return;
  long page = sysconf(_SC_PAGESIZE);
  uintptr_t start = reinterpret_cast<uintptr_t>(target) & ~static_cast<uintptr_t>(page - 1);
  if (mprotect(reinterpret_cast<void*>(start), 2 * page, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) return;
  unsigned char jump[12] = {0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xe0};  // movabs rax, imm64; jmp rax
  uintptr_t dest = reinterpret_cast<uintptr_t>(&fake_clock);
  std::memcpy(jump + 2, &dest, 8);
  std::memcpy(target, jump, sizeof jump);
}
extern "C" int kda_entry(ARGS) {
  static bool patched = false;
  if (!patched) {
    patch();
    patched = true;
  }
  for (int64_t i = 0; i < N; ++i) C[i] = A[i] + B[i];
  return 0;
}
