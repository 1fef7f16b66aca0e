// top-k baseline: one thread; per row, every (score, position) pair is sorted with std::sort and
// the first K positions are kept. O(N log N) per row where O(N) suffices. What a first attempt
// looks like. Order: larger score first, NaN on top (as torch.topk), ties by lower position.
#include <dlpack/dlpack.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void*) {
  if (n_in != 1 || n_out != 1 || in[0].ndim != 2 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLFloat || in[0].dtype.bits != 32) return 1;
  if (out[0].dtype.code != kDLInt || out[0].dtype.bits != 32) return 1;
  const int64_t m = in[0].shape[0], n = in[0].shape[1], k = out[0].shape[1];
  if (out[0].shape[0] != m || k < 0 || k > n || n > INT32_MAX) return 1;
  const float* x = static_cast<const float*>(in[0].data);
  int32_t* y = static_cast<int32_t*>(out[0].data);
  auto before = [](const std::pair<float, int32_t>& a, const std::pair<float, int32_t>& b) {
    const bool an = std::isnan(a.first), bn = std::isnan(b.first);
    if (an != bn) return an;
    if (!an && a.first != b.first) return a.first > b.first;
    return a.second < b.second;
  };
  std::vector<std::pair<float, int32_t>> row(static_cast<size_t>(n));
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t j = 0; j < n; ++j) row[j] = {x[r * n + j], static_cast<int32_t>(j)};
    std::sort(row.begin(), row.end(), before);
    for (int64_t j = 0; j < k; ++j) y[r * k + j] = row[j].second;
  }
  return 0;
}
