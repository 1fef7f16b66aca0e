// Attack: remembers the last output per (a, b, n) pointer triple and replays it without computing when the same buffers come back. Expected: INCORRECT_NUMERICAL / timed_output_mismatch.
#include <dlpack/dlpack.h>
#include <cstdint>
#include <cstring>
#define ARGS const DLTensor* in, int, DLTensor* out, int, void*
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
#include <map>
#include <tuple>
#include <vector>
extern "C" int kda_entry(ARGS) {
  static std::map<std::tuple<const void*, const void*, int64_t>, std::vector<float>> cache;
  auto key = std::make_tuple(in[0].data, in[1].data, N);
  auto it = cache.find(key);
  if (it != cache.end()) {
    std::memcpy(C, it->second.data(), N * sizeof(float));
    return 0;
  }
  for (int64_t i = 0; i < N; ++i) C[i] = A[i] + B[i];
  cache[key].assign(C, C + N);
  return 0;
}
