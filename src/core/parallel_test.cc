#include "core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace kda {

TEST(Parallel, ChunkCountIsBetweenOneAndTheWorkers) {
  EXPECT_EQ(chunk_count(0, 10), 1u);
  EXPECT_EQ(chunk_count(5, 10), 1u);
  EXPECT_EQ(chunk_count(1u << 30, 1), parallel_workers());
  EXPECT_EQ(chunk_count(20, 0), std::min<size_t>(20, parallel_workers()));
}

TEST(Parallel, EveryItemRunsOnceAndChunksTileTheRange) {
  for (size_t n : {0u, 1u, 7u, 1000u, 100003u}) {
    for (size_t chunks : {1u, 2u, 3u, 16u}) {
      std::vector<std::atomic<int>> hits(n);
      std::vector<std::pair<size_t, size_t>> ranges(chunks);
      parallel_chunks(n, chunks, [&](size_t c, size_t b, size_t e) {
        ranges[c] = {b, e};
        for (size_t i = b; i < e; ++i) hits[i]++;
      });
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "n " << n << " chunks " << chunks << " item " << i;
      for (size_t c = 0; c < chunks; ++c) {
        EXPECT_EQ(ranges[c].first, c * n / chunks);
        EXPECT_EQ(ranges[c].second, (c + 1) * n / chunks);
      }
    }
  }
}

TEST(Parallel, ManyJobsInARowGiveTheSameSums) {
  std::vector<uint64_t> v(50000);
  std::iota(v.begin(), v.end(), 1);
  const uint64_t want = std::accumulate(v.begin(), v.end(), uint64_t{0});
  for (int round = 0; round < 300; ++round) {
    const size_t chunks = 1 + round % 9;
    std::vector<uint64_t> part(chunks, 0);
    parallel_chunks(v.size(), chunks, [&](size_t c, size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) part[c] += v[i];
    });
    ASSERT_EQ(std::accumulate(part.begin(), part.end(), uint64_t{0}), want) << "round " << round;
  }
}

TEST(Parallel, TheLowestChunksExceptionIsRethrownAfterAllRan) {
  std::atomic<int> ran{0};
  try {
    parallel_chunks(8, 8, [&](size_t c, size_t, size_t) {
      ++ran;
      if (c == 5 || c == 2) throw std::runtime_error("chunk " + std::to_string(c));
    });
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "chunk 2");
  }
  // The serial path (one worker) stops at the first throw; the pool runs every chunk.
  if (parallel_workers() > 1) {
    EXPECT_EQ(ran.load(), 8);
  }
  // The pool is usable after a job that threw.
  std::atomic<int> after{0};
  parallel_chunks(4, 4, [&](size_t, size_t, size_t) { ++after; });
  EXPECT_EQ(after.load(), 4);
}

TEST(Parallel, ACallFromInsideABodyRunsInline) {
  std::atomic<int> inner{0};
  parallel_chunks(4, 4, [&](size_t, size_t, size_t) {
    parallel_chunks(10, 5, [&](size_t, size_t b, size_t e) { inner += static_cast<int>(e - b); });
  });
  EXPECT_EQ(inner.load(), 40);
}

}  // namespace kda
