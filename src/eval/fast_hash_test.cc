#include "eval/fast_hash.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>
#include <vector>

namespace kda {
namespace {

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  for (uint8_t& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

}  // namespace

// The property the judge's cores and the GPU runner's kernel rely on: any split of the words
// into ranges, summed in any order, gives the hash of the whole.
TEST(InputHash, AnySplitOfTheWordsGivesTheSameHash) {
  std::mt19937 rng(7);
  for (size_t size : {0u, 1u, 7u, 8u, 9u, 63u, 4096u, 100003u}) {
    const std::vector<uint8_t> v = random_bytes(size, static_cast<uint32_t>(size));
    const size_t words = size / 8;
    for (int trial = 0; trial < 5; ++trial) {
      std::vector<size_t> cuts = {0, words};
      for (int k = 0; k < 3 && words > 0; ++k) cuts.push_back(rng() % (words + 1));
      std::sort(cuts.begin(), cuts.end());
      uint64_t sum = 0;
      for (size_t i = cuts.size() - 1; i > 0; --i) sum += hash_word_sum(v.data(), cuts[i - 1], cuts[i] - cuts[i - 1]);
      EXPECT_EQ(hash_finish(sum, v.data() + words * 8, size), fast_hash64(v.data(), size)) << "size " << size;
    }
  }
}

// The host's loop is compiled to vectorise (fast_hash.cc); the GPU runner's kernel sums the
// same terms one by one. Both must give the term-by-term sum, for every count of words and
// every start (vector loops have a head and a tail of odd words).
TEST(InputHash, TheHostsLoopIsTheTermByTermSum) {
  const std::vector<uint8_t> v = random_bytes(8 * 1031, 5);
  for (size_t first : {0u, 1u, 3u, 17u})
    for (size_t count : {0u, 1u, 2u, 7u, 8u, 15u, 16u, 33u, 1000u}) {
      uint64_t want = 0;
      for (size_t i = first; i < first + count; ++i) {
        uint64_t w;
        std::memcpy(&w, v.data() + 8 * i, 8);
        want += hash_word_term(w, i);
      }
      EXPECT_EQ(hash_word_sum(v.data(), first, count), want) << "first " << first << " count " << count;
    }
}

TEST(InputHash, TheHostsCoresGiveTheOneThreadHash) {
  for (size_t size : {5u, (3u << 20) + 3u, (40u << 20) + 5u}) {
    const std::vector<uint8_t> v = random_bytes(size, 11);
    EXPECT_EQ(fast_hash64_on_host_cores(v.data(), v.size()), fast_hash64(v.data(), v.size())) << "size " << size;
  }
}

TEST(InputHash, EveryOneByteChangeChangesTheHash) {
  std::vector<uint8_t> v = random_bytes(1027, 3);
  const uint64_t h = fast_hash64(v.data(), v.size());
  std::set<uint64_t> seen = {h};
  for (size_t i = 0; i < v.size(); ++i) {
    for (uint8_t delta : {uint8_t{1}, uint8_t{0x80}}) {
      v[i] ^= delta;
      EXPECT_TRUE(seen.insert(fast_hash64(v.data(), v.size())).second) << "byte " << i << " delta " << int(delta);
      v[i] ^= delta;
    }
  }
  EXPECT_EQ(fast_hash64(v.data(), v.size()), h);
}

TEST(InputHash, PositionAndSizeCount) {
  std::vector<uint8_t> v = random_bytes(64, 5);
  const uint64_t h = fast_hash64(v.data(), v.size());
  std::vector<uint8_t> swapped = v;
  std::swap_ranges(swapped.begin(), swapped.begin() + 8, swapped.begin() + 8);  // words 0 and 1 exchanged
  EXPECT_NE(fast_hash64(swapped.data(), swapped.size()), h);
  // A trailing zero byte, or a zero word, is not the same input as none.
  std::vector<uint8_t> longer = v;
  longer.push_back(0);
  EXPECT_NE(fast_hash64(longer.data(), longer.size()), h);
  longer.resize(72, 0);
  EXPECT_NE(fast_hash64(longer.data(), longer.size()), h);
  // All zeros of different sizes differ too.
  std::vector<uint8_t> z(80, 0);
  EXPECT_NE(fast_hash64(z.data(), 72), fast_hash64(z.data(), 80));
}

}  // namespace kda
