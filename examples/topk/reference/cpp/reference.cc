// top-k reference: for each row, the K positions with the largest scores, found by
// std::partial_sort of the row's positions. Order: larger score first, NaN above every number (as
// torch.topk), equal scores by lower position, so the answer is a strict total order and unique.
#include <dlpack/dlpack.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

namespace {

bool greater(float a, float b) { return a > b || (std::isnan(a) && !std::isnan(b)); }

}  // namespace

extern "C" int kda_entry(const DLTensor* in, int n_in, DLTensor* out, int n_out, void*) {
  if (n_in != 1 || n_out != 1 || in[0].ndim != 2 || out[0].ndim != 2) return 1;
  if (in[0].dtype.code != kDLFloat || in[0].dtype.bits != 32) return 1;
  if (out[0].dtype.code != kDLInt || out[0].dtype.bits != 32) return 1;
  const int64_t m = in[0].shape[0], n = in[0].shape[1], k = out[0].shape[1];
  if (out[0].shape[0] != m || k < 0 || k > n || n > INT32_MAX) return 1;
  const float* x = static_cast<const float*>(in[0].data);
  int32_t* y = static_cast<int32_t*>(out[0].data);
  std::vector<int32_t> pos(static_cast<size_t>(n));
  for (int64_t r = 0; r < m; ++r) {
    const float* xr = x + r * n;
    std::iota(pos.begin(), pos.end(), 0);
    std::partial_sort(pos.begin(), pos.begin() + k, pos.end(), [xr](int32_t a, int32_t b) {
      return greater(xr[a], xr[b]) || (!greater(xr[b], xr[a]) && a < b);
    });
    std::copy(pos.begin(), pos.begin() + k, y + r * k);
  }
  return 0;
}
