#include "core/bulk_buffer.h"

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace kda {

bool advise_huge_pages(void* p, size_t n) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = 2u << 20;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) & ~(kHuge - 1);
  if (end <= begin) return false;
  return ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE) == 0;
#else
  (void)p;
  (void)n;
  return false;
#endif
}

namespace {

// An empty vector whose block of `n` bytes is allocated and advised, not yet touched: reserve()
// takes the block from the allocator without writing its pages (glibc writes a chunk header,
// which lies before the first whole huge page).
std::vector<uint8_t> reserved_bulk(size_t n) {
  std::vector<uint8_t> v;
  v.reserve(n);
  advise_huge_pages(v.data(), n);
  return v;
}

}  // namespace

void resize_bulk(std::vector<uint8_t>& v, size_t n) {
  if (n <= v.capacity() || n < kBulkBufferMin) {
    v.resize(n);
    return;
  }
  std::vector<uint8_t> grown = reserved_bulk(n);
  grown.insert(grown.end(), v.begin(), v.end());
  grown.resize(n);
  v.swap(grown);
}

std::vector<uint8_t> copy_bulk(const std::vector<uint8_t>& from) {
  if (from.size() < kBulkBufferMin) return from;
  std::vector<uint8_t> v = reserved_bulk(from.size());
  v.insert(v.end(), from.begin(), from.end());
  return v;
}

}  // namespace kda
