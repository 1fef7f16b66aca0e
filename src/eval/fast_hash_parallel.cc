#include <vector>

#include "core/parallel.h"
#include "eval/fast_hash.h"

namespace kda {

uint64_t fast_hash64_on_host_cores(const void* data, size_t size) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  const size_t words = size / 8;
  const size_t chunks = chunk_count(words, size_t{1} << 18);
  if (chunks == 1) return fast_hash64(p, size);
  std::vector<uint64_t> part(chunks, 0);
  parallel_chunks(words, chunks, [&](size_t c, size_t begin, size_t end) { part[c] = hash_word_sum(p, begin, end - begin); });
  uint64_t sum = 0;
  for (uint64_t s : part) sum += s;
  return hash_finish(sum, p + words * 8, size);
}

}  // namespace kda
