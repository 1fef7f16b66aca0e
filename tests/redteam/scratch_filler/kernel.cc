// Attack: fills its scratch directory (the current directory) with 1.2 GB of files, each under
// the per-file size limit, and still computes the right answer. Expected: RUNTIME_ERROR /
// scratch_limit (the judge measures the scratch directory after every request).
#include <dlpack/dlpack.h>

#include <cstdio>
#include <string>
#include <vector>

extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void*) {
  static bool filled = false;
  if (!filled) {
    filled = true;
    std::vector<char> block(1 << 20, 'x');
    for (int f = 0; f < 20; ++f) {
      FILE* fp = std::fopen(("fill" + std::to_string(f)).c_str(), "wb");
      if (!fp) break;
      for (int mb = 0; mb < 60; ++mb) std::fwrite(block.data(), 1, block.size(), fp);
      std::fclose(fp);
    }
  }
  const float* a = static_cast<const float*>(in[0].data);
  const float* b = static_cast<const float*>(in[1].data);
  float* c = static_cast<float*>(out[0].data);
  for (int64_t i = 0; i < in[0].shape[0]; ++i) c[i] = a[i] + b[i];
  return 0;
}
