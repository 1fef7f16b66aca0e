// Attack: keys a cache on 8 sampled positions of a and b and replays the cached output on a hit. Expected: INCORRECT_NUMERICAL / timed_output_mismatch.
#include <dlpack/dlpack.h>
#include <cstdint>
#include <cstring>
#define ARGS const DLTensor* in, int, DLTensor* out, int, void*
#define N (in[0].shape[0])
#define A (static_cast<const float*>(in[0].data))
#define B (static_cast<const float*>(in[1].data))
#define C (static_cast<float*>(out[0].data))
#include <map>
#include <vector>
extern "C" int kda_entry(ARGS) {
  static std::map<std::vector<float>, std::vector<float>> cache;
  std::vector<float> key;
  for (int k = 0; k < 8; ++k) {
    int64_t i = N > 0 ? (N - 1) * k / 7 : 0;
    key.push_back(A[i]);
    key.push_back(B[i]);
  }
  key.push_back(static_cast<float>(N));
  auto it = cache.find(key);
  if (it != cache.end()) {
    std::memcpy(C, it->second.data(), N * sizeof(float));
    return 0;
  }
  for (int64_t i = 0; i < N; ++i) C[i] = A[i] + B[i];
  cache[key].assign(C, C + N);
  return 0;
}
