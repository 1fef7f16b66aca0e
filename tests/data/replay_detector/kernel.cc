// Test candidate for vector_add (not an attack): it adds correctly and remembers a hash of every
// input set its process is given. A set it has been given before — other than the one of the
// call just before, since the judge's wall-clock batch repeats one set back to back — makes it
// return NaN. So it PASSES only if no runner of it ever meets the same inputs again after
// others, the rule that lets the judge keep a candidate's runner across workloads
// (docs/evaluator.md, "Runners kept within a pass"). SALT only makes tune variants.
#include <dlpack/dlpack.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <unordered_set>

#ifndef SALT
#define SALT 0
#endif

namespace {
uint64_t fnv1a(uint64_t h, const void* p, size_t n) {
  const unsigned char* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}
}  // namespace

extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void*) {
  static std::unordered_set<uint64_t> seen;
  static uint64_t previous = 0;
  const int64_t n = in[0].shape[0];
  const float* a = static_cast<const float*>(in[0].data);
  const float* b = static_cast<const float*>(in[1].data);
  float* c = static_cast<float*>(out[0].data);
  uint64_t h = fnv1a(14695981039346656037ull + SALT, &n, sizeof n);
  h = fnv1a(fnv1a(h, a, n * sizeof(float)), b, n * sizeof(float));
  const bool replayed = h != previous && seen.count(h);
  seen.insert(h);
  previous = h;
  for (int64_t i = 0; i < n; ++i) c[i] = replayed ? NAN : a[i] + b[i];
  return 0;
}
