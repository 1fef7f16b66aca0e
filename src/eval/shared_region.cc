#include "eval/shared_region.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <algorithm>
#include <utility>
#include <vector>

#include "core/error.h"

namespace kda {

SharedRegion SharedRegion::create() {
  SharedRegion r;
  r.fd_ = ::memfd_create("kda-io", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (r.fd_ < 0) fail(ErrorKind::kEnvironment, std::string("memfd_create: ") + strerror(errno));
  if (::fcntl(r.fd_, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
    fail(ErrorKind::kEnvironment, std::string("sealing the shared memory: ") + strerror(errno));
  return r;
}

SharedRegion SharedRegion::adopt(int fd) {
  SharedRegion r;
  r.fd_ = fd;
  return r;
}

SharedRegion::SharedRegion(SharedRegion&& o) noexcept { *this = std::move(o); }

SharedRegion& SharedRegion::operator=(SharedRegion&& o) noexcept {
  if (this != &o) {
    this->~SharedRegion();
    fd_ = std::exchange(o.fd_, -1);
    data_ = std::exchange(o.data_, nullptr);
    mapped_ = std::exchange(o.mapped_, 0);
  }
  return *this;
}

SharedRegion::~SharedRegion() {
  if (data_) ::munmap(data_, mapped_);
  if (fd_ >= 0) ::close(fd_);
  data_ = nullptr;
  mapped_ = 0;
  fd_ = -1;
}

bool SharedRegion::remap(size_t bytes) {
  if (data_) ::munmap(data_, mapped_);
  data_ = nullptr;
  mapped_ = 0;
  if (bytes == 0) return true;
  // Populated in one go: both sides touch every page of every request, and one call is much
  // cheaper than a fault per 4 KiB page.
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, 0);
  if (p == MAP_FAILED) return false;
  data_ = static_cast<uint8_t*>(p);
  mapped_ = bytes;
  return true;
}

bool SharedRegion::reserve(size_t bytes) {
  if (fd_ < 0) return false;
  if (bytes <= mapped_) return true;
  struct stat st{};
  if (::fstat(fd_, &st) != 0) return false;
  // The runner may have grown the file (harmless); shrinking is sealed, so only ever grow.
  if (static_cast<size_t>(st.st_size) < bytes && ::ftruncate(fd_, static_cast<off_t>(bytes)) != 0) return false;
  return remap(bytes);
}

bool SharedRegion::grow(size_t bytes) {
  if (fd_ < 0) return false;
  struct stat st{};
  if (::fstat(fd_, &st) != 0) return false;
  // The runner may have grown the file (harmless); shrinking is sealed, so only ever grow.
  return static_cast<size_t>(st.st_size) >= bytes || ::ftruncate(fd_, static_cast<off_t>(bytes)) == 0;
}

bool SharedRegion::write_at(size_t offset, const void* src, size_t n) {
  const char* p = static_cast<const char*>(src);
  while (n > 0) {
    ssize_t w = ::pwrite(fd_, p, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w, offset += static_cast<size_t>(w), n -= static_cast<size_t>(w);
  }
  return true;
}

bool SharedRegion::fill_at(size_t offset, uint8_t byte, size_t n) {
  static thread_local std::vector<uint8_t> chunk;
  if (chunk.size() != (1u << 20) || chunk[0] != byte) chunk.assign(1u << 20, byte);
  while (n > 0) {
    const size_t k = std::min(n, chunk.size());
    if (!write_at(offset, chunk.data(), k)) return false;
    offset += k, n -= k;
  }
  return true;
}

bool SharedRegion::read_at(size_t offset, void* dst, size_t n) const {
  char* p = static_cast<char*>(dst);
  while (n > 0) {
    ssize_t r = ::pread(fd_, p, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r, offset += static_cast<size_t>(r), n -= static_cast<size_t>(r);
  }
  return true;
}

bool SharedRegion::map(size_t bytes) {
  if (fd_ < 0) return false;
  if (bytes <= mapped_) return true;
  struct stat st{};
  if (::fstat(fd_, &st) != 0 || static_cast<size_t>(st.st_size) < bytes) return false;
  return remap(bytes);
}

}  // namespace kda
