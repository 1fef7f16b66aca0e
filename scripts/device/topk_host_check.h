// The host-side check of a top-k result, shared by the GPU driver (topk_radix_check.cu) and the
// CPU emulation (scripts/topk_emu): indices in range and distinct, and the multiset of their keys
// equal to the K largest keys of the row. Keys are the order-preserving uint32 image of the
// floats, with every NaN above +inf, as torch.topk and the reference rank them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

inline unsigned topk_host_key(float f) {
  if (f != f) return 0xffffffffu;
  unsigned u;
  std::memcpy(&u, &f, 4);
  return u ^ ((u >> 31) ? 0xffffffffu : 0x80000000u);
}

// "" when every row of y [m, k] is a top-k of x [m, n]; otherwise what is wrong, and where.
inline std::string check_topk_rows(const float* x, const int* y, int64_t m, int64_t n, int64_t k) {
  std::vector<unsigned> want(static_cast<size_t>(n)), got(static_cast<size_t>(k));
  std::vector<char> seen(static_cast<size_t>(n));
  for (int64_t r = 0; r < m; ++r) {
    const float* xr = x + r * n;
    const int* yr = y + r * k;
    std::fill(seen.begin(), seen.end(), 0);
    for (int64_t j = 0; j < k; ++j) {
      const int i = yr[j];
      if (i < 0 || i >= n)
        return "row " + std::to_string(r) + " slot " + std::to_string(j) + ": index " + std::to_string(i) + " out of range";
      if (seen[i]) return "row " + std::to_string(r) + ": index " + std::to_string(i) + " twice";
      seen[i] = 1;
      got[j] = topk_host_key(xr[i]);
    }
    for (int64_t i = 0; i < n; ++i) want[i] = topk_host_key(xr[i]);
    std::nth_element(want.begin(), want.begin() + (k - 1), want.end(), std::greater<unsigned>());
    std::sort(want.begin(), want.begin() + k, std::greater<unsigned>());
    std::sort(got.begin(), got.end(), std::greater<unsigned>());
    for (int64_t j = 0; j < k; ++j)
      if (want[j] != got[j])
        return "row " + std::to_string(r) + ": selected keys differ from the top k at rank " + std::to_string(j);
  }
  return "";
}
