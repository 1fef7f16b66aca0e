#include "eval/protocol.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

namespace kda::wire {
namespace {

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    r = fds[0];
    w = fds[1];
    ::fcntl(w, F_SETPIPE_SZ, 1 << 20);
  }
  ~Pipe() {
    ::close(r);
    if (w >= 0) ::close(w);
  }
};

TEST(Protocol, RoundTripWithBlob) {
  Pipe p;
  Frame f;
  f.type = Type::kRun;
  f.seq = 7;
  f.json = {{"sets", 2}};
  f.blob = {1, 2, 3, 4};
  write_frame(p.w, f);
  Frame g = read_frame(p.r);
  EXPECT_EQ(g.type, Type::kRun);
  EXPECT_EQ(g.seq, 7u);
  EXPECT_EQ(g.json["sets"], 2);
  EXPECT_EQ(g.blob, f.blob);
}

WireError::Kind error_kind_of(const std::string& bytes, bool close_writer = true) {
  Pipe p;
  EXPECT_EQ(::write(p.w, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  if (close_writer) {
    ::close(p.w);
    p.w = -1;
  }
  try {
    read_frame(p.r, std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
  } catch (const WireError& e) {
    return e.kind;
  }
  ADD_FAILURE() << "no error";
  return WireError::Kind::kIo;
}

TEST(Protocol, ForgedTextIsMalformed) {
  EXPECT_EQ(error_kind_of("{\"status\":\"PASSED\",\"latency_ms\":0.001}\n..............."), WireError::Kind::kMalformed);
}

TEST(Protocol, WrongVersionIsMalformed) {
  std::string h = "KDA1";
  h += std::string("\x09\0\0\0\x03\0\0\0\x01\0\0\0", 12);
  h += std::string(16, '\0');
  EXPECT_EQ(error_kind_of(h), WireError::Kind::kMalformed);
}

TEST(Protocol, OversizedLengthIsMalformed) {
  std::string h = "KDA1";
  h += std::string("\x01\0\0\0\x03\0\0\0\x01\0\0\0", 12);
  h += std::string(8, '\xff');
  h += std::string(8, '\0');
  EXPECT_EQ(error_kind_of(h), WireError::Kind::kMalformed);
}

TEST(Protocol, TruncatedFrameIsClosed) { EXPECT_EQ(error_kind_of("KDA1\x01"), WireError::Kind::kClosed); }

TEST(Protocol, SilenceHitsTheDeadline) { EXPECT_EQ(error_kind_of("", /*close_writer=*/false), WireError::Kind::kTimeout); }

}  // namespace
}  // namespace kda::wire
