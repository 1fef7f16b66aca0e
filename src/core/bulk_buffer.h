// Byte buffers of megabytes that the judge fills once per draw: input sets, outputs read back.
//
// On a machine where a first touch of a 4 KiB page is expensive (a VM with shadow page tables:
// 5-15 us a page, measured in docs/results.md), filling a new 64 MB buffer cost ~0.2 s in page
// faults alone. A buffer of at least 2 MiB that has to be allocated here is advised into
// transparent huge pages (madvise MADV_HUGEPAGE) before anything touches it, so that its first
// touch costs one fault per 2 MiB. Where the kernel does not offer huge pages (THP "never", or no
// Linux) the advice is refused and the buffer behaves as any other. The contents are the same
// either way: this changes where the bytes live, never what they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kda {

/// Below this size a buffer is left to the allocator as it is (one huge page).
inline constexpr size_t kBulkBufferMin = 2u << 20;

/// `v` resized to `n` bytes: bytes already there are kept, new ones are zero, as with
/// v.resize(n). When the capacity must grow to at least kBulkBufferMin, the new block is advised
/// into huge pages before its first touch.
void resize_bulk(std::vector<uint8_t>& v, size_t n);

/// A copy of `from` made the same way (a copy constructor would touch a fresh block first).
std::vector<uint8_t> copy_bulk(const std::vector<uint8_t>& from);

/// Advises the whole 2 MiB pages inside [p, p + n) into transparent huge pages; true if the
/// kernel took the advice. Pages already touched keep their 4 KiB pages.
bool advise_huge_pages(void* p, size_t n);

}  // namespace kda
