#include "core/bulk_buffer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace kda {
namespace {

// The VmFlags line of the mapping of this process that holds `p`, or "" if none does.
std::string vm_flags_at(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const uintptr_t at = reinterpret_cast<uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' ')) {
      inside = lo <= at && at < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

bool kernel_offers_huge_pages() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  std::getline(in, modes);
  return !modes.empty() && modes.find("[never]") == std::string::npos;
}

TEST(BulkBuffer, ResizeKeepsTheBytesAndZeroesTheRest) {
  std::vector<uint8_t> v = {1, 2, 3};
  resize_bulk(v, 8u << 20);
  ASSERT_EQ(v.size(), 8u << 20);
  EXPECT_EQ(v[0], 1);
  EXPECT_EQ(v[2], 3);
  size_t nonzero = 0;
  for (size_t i = 3; i < v.size(); ++i) nonzero += v[i] != 0;
  EXPECT_EQ(nonzero, 0u);
  resize_bulk(v, 2);  // shrinking keeps the block, like resize
  EXPECT_EQ(v, (std::vector<uint8_t>{1, 2}));
  EXPECT_GE(v.capacity(), 8u << 20);
}

TEST(BulkBuffer, CopyIsEqual) {
  std::vector<uint8_t> small = {9, 8, 7};
  EXPECT_EQ(copy_bulk(small), small);
  std::vector<uint8_t> big(5u << 20);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 31 + 7);
  EXPECT_EQ(copy_bulk(big), big);
}

TEST(BulkBuffer, LargeBlocksAreAdvisedIntoHugePages) {
  if (!kernel_offers_huge_pages()) GTEST_SKIP() << "transparent huge pages are off on this kernel";
  std::vector<uint8_t> v;
  resize_bulk(v, 16u << 20);
  const std::string flags = vm_flags_at(v.data() + (8u << 20));
  ASSERT_FALSE(flags.empty()) << "no mapping holds the buffer";
  EXPECT_NE(flags.find(" hg"), std::string::npos) << flags;
  // A small buffer is left alone: the advice is for whole 2 MiB pages.
  std::vector<uint8_t> small;
  resize_bulk(small, 4096);
  EXPECT_FALSE(advise_huge_pages(small.data(), small.size()));
}

}  // namespace
}  // namespace kda
