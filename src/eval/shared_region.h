// The memory that carries input sets to a runner and its outputs back (protocol v2): a memfd
// the judge creates and grows, passed to the runner as fd 5 at spawn and mapped by the runner;
// the judge writes and reads it with pwrite/pread on the CPU backend, and maps it (reserve())
// on a GPU backend, where it copies on all its cores (runner_client.cc says why). It replaces
// copying every set through the pipes (the frames still carry every request and answer,
// validated as before; only the bulk bytes move here).
//
// Trust: nothing the judge decides on is read from this memory in place. The judge keeps its
// own copy of every input set (which it hashes and compares against the runner's report) and
// copies the outputs out of the region once the answer has arrived, before checking them. The
// runner — candidate code included — can write anywhere in the region, which gains it nothing
// it could not do to its own heap: changing a set before it is used is an input mutation, and
// changing an output is checked like any output. It cannot make the judge fault: the judge seals
// the file against shrinking and against further seals (F_SEAL_SHRINK | F_SEAL_SEAL), so the
// pages the judge maps stay backed and its reads are never short, and it never maps or reads
// more than the size it set itself.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kda {

class SharedRegion {
 public:
  /// Judge side: a new sealed memfd (throws kda::Error(kEnvironment) when memfds are unavailable).
  static SharedRegion create();
  /// Runner side: adopts the inherited descriptor `fd`; nothing is mapped until map().
  static SharedRegion adopt(int fd);
  SharedRegion() = default;
  SharedRegion(SharedRegion&& o) noexcept;
  SharedRegion& operator=(SharedRegion&& o) noexcept;
  SharedRegion(const SharedRegion&) = delete;
  SharedRegion& operator=(const SharedRegion&) = delete;
  ~SharedRegion();

  /// Judge side: grows the file to at least `bytes` and maps that much. Returns false on failure.
  bool reserve(size_t bytes);
  /// Judge side, without mapping (the CPU backend): grows the file to at least `bytes`; and
  /// copies to and from the file with pwrite/pread. On a VM with shadow page tables, the first
  /// touch of each mapped page costs more than its copy (issue 16). Each returns false on
  /// failure (a short read included: the file cannot shrink).
  bool grow(size_t bytes);
  bool write_at(size_t offset, const void* src, size_t n);
  bool fill_at(size_t offset, uint8_t byte, size_t n);
  bool read_at(size_t offset, void* dst, size_t n) const;
  /// Runner side: maps `bytes` if the file is that large (the judge reserves before each request);
  /// false when it is not, or mapping fails.
  bool map(size_t bytes);

  uint8_t* data() const { return data_; }
  size_t size() const { return mapped_; }
  int fd() const { return fd_; }

 private:
  bool remap(size_t bytes);
  int fd_ = -1;
  uint8_t* data_ = nullptr;
  size_t mapped_ = 0;
};

}  // namespace kda
