#include "eval/protocol.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kda::wire {

namespace {

constexpr char kMagic[4] = {'K', 'D', 'A', '1'};

template <typename T>
void put(std::vector<uint8_t>& out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

template <typename T>
T get(const uint8_t* p) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(p[i]) << (8 * i);
  return v;
}

void write_all(int fd, const void* data, size_t size) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) throw WireError{WireError::Kind::kClosed, "peer closed the pipe"};
    if (n <= 0) throw WireError{WireError::Kind::kIo, std::string("write: ") + strerror(errno)};
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void read_all(int fd, void* data, size_t size, std::chrono::steady_clock::time_point deadline) {
  uint8_t* p = static_cast<uint8_t*>(data);
  while (size > 0) {
    if (deadline.time_since_epoch().count() != 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) throw WireError{WireError::Kind::kTimeout, "deadline passed"};
      pollfd pfd{fd, POLLIN, 0};
      int r = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)));
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) throw WireError{WireError::Kind::kTimeout, "deadline passed"};
    }
    ssize_t n = ::read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) throw WireError{WireError::Kind::kClosed, "peer closed the pipe"};
    if (n < 0) throw WireError{WireError::Kind::kIo, std::string("read: ") + strerror(errno)};
    p += n;
    size -= static_cast<size_t>(n);
  }
}

}  // namespace

void write_frame(int fd, const Frame& f) {
  std::string text = f.json.dump();
  std::vector<uint8_t> header;
  header.reserve(32);
  header.insert(header.end(), kMagic, kMagic + 4);
  put<uint32_t>(header, kVersion);
  put<uint32_t>(header, static_cast<uint32_t>(f.type));
  put<uint32_t>(header, f.seq);
  put<uint64_t>(header, text.size());
  put<uint64_t>(header, f.blob.size());
  write_all(fd, header.data(), header.size());
  write_all(fd, text.data(), text.size());
  if (!f.blob.empty()) write_all(fd, f.blob.data(), f.blob.size());
}

Frame read_frame(int fd, std::chrono::steady_clock::time_point deadline) {
  uint8_t header[32];
  read_all(fd, header, sizeof header, deadline);
  if (std::memcmp(header, kMagic, 4) != 0)
    throw WireError{WireError::Kind::kMalformed, "bad frame magic"};
  uint32_t version = get<uint32_t>(header + 4);
  if (version != kVersion)
    throw WireError{WireError::Kind::kMalformed, "unsupported protocol version " + std::to_string(version)};
  uint32_t type = get<uint32_t>(header + 8);
  if (type < 1 || type > static_cast<uint32_t>(Type::kBye))
    throw WireError{WireError::Kind::kMalformed, "unknown frame type " + std::to_string(type)};
  uint64_t json_len = get<uint64_t>(header + 16);
  uint64_t blob_len = get<uint64_t>(header + 24);
  if (json_len > kMaxJson || blob_len > kMaxBlob)
    throw WireError{WireError::Kind::kMalformed, "frame too large"};
  Frame f;
  f.type = static_cast<Type>(type);
  f.seq = get<uint32_t>(header + 12);
  std::string text(json_len, '\0');
  read_all(fd, text.data(), text.size(), deadline);
  try {
    f.json = Json::parse(text);
  } catch (const std::exception&) {
    throw WireError{WireError::Kind::kMalformed, "frame JSON does not parse"};
  }
  if (!f.json.is_object()) throw WireError{WireError::Kind::kMalformed, "frame JSON is not an object"};
  f.blob.resize(blob_len);
  if (blob_len) read_all(fd, f.blob.data(), blob_len, deadline);
  return f;
}

}  // namespace kda::wire
