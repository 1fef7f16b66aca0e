// Data-parallel loops over the host's cores for the judge's own work between a runner's requests
// (output checks, input hashes, copies into the memory shared with a runner).
//
// A fixed pool of worker threads that block on a condition variable between jobs, written here
// rather than taken from OpenMP or oneTBB: their workers spin for a while after each parallel
// region by default, and a judge thread spinning while a runner's timed call runs would take the
// cores that call is measured on. Here a worker that has no chunk left goes back to sleep at once.
#pragma once

#include <cstddef>
#include <functional>

namespace kda {

/// Threads a parallel_chunks call may use, the calling one included: the CPUs this process may
/// run on, at most 16 (KDA_JUDGE_THREADS overrides, at least 1).
size_t parallel_workers();

/// How many chunks [0, n) splits into so that each holds at least `grain` items: between 1 and
/// parallel_workers().
size_t chunk_count(size_t n, size_t grain);

/// Runs body(chunk, begin, end) for chunk = 0 .. chunks-1, where chunk c covers
/// [c * n / chunks, (c + 1) * n / chunks), on the pool and the calling thread; returns when every
/// chunk has run. If chunks throw, the exception of the lowest-numbered one is rethrown. A call
/// from inside a body runs its chunks on the calling thread.
void parallel_chunks(size_t n, size_t chunks, const std::function<void(size_t chunk, size_t begin, size_t end)>& body);

}  // namespace kda
