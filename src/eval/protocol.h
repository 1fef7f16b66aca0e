// The judge <-> runner wire protocol (versioned, length-prefixed, every frame validated).
// A frame is a 32-byte header — magic "KDA1", u32 version, u32 type, u32 sequence, u64 JSON
// length, u64 blob length (little-endian) — then the JSON text, then the blob bytes. The
// sequence number strictly alternates request/response, so a frame that a candidate injects
// into the runner's output pipe breaks the sequence or the framing and is a protocol violation.
//
// Version 2: a RUN may carry {"shm": {"out_offset": N}} instead of a blob. Its input sets are then
// in the memory shared with the runner (fd 5, eval/shared_region.h) from offset 0, the runner
// writes the outputs from offset N, and the RUN_RESULT carries no blob. Files of requests
// (`kda profile run`) still carry their sets in blobs.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/json_io.h"

namespace kda::wire {

// 2: bulk bytes in the shared region. 3: the RUN_RESULT's input hashes are fast_hash.h's sum of
// per-word terms (a runner of version 2 hashed differently: every call would read as an input
// mutation, so the two refuse each other at READY instead).
inline constexpr uint32_t kVersion = 3;
inline constexpr uint64_t kMaxJson = 16ull << 20;
inline constexpr uint64_t kMaxBlob = 64ull << 30;

enum class Type : uint32_t {
  kReady = 1,      ///< runner -> judge: library loaded, sandbox applied, device described
  kRun = 2,        ///< judge -> runner: run K calls on the given input sets
  kRunResult = 3,  ///< runner -> judge: per-call rc/times/input hashes + output sets
  kBatch = 4,      ///< judge -> runner: N back-to-back synced calls on one set (wall-clock check)
  kBatchResult = 5,
  kCalibrate = 6,  ///< judge -> runner: measure peak bandwidth / FLOP rate
  kCalibrateResult = 7,
  kError = 8,      ///< runner -> judge: runner-side failure described in JSON
  kBye = 9,
};

struct Frame {
  Type type = Type::kError;
  uint32_t seq = 0;
  Json json;
  std::vector<uint8_t> blob;
};

/// Thrown for malformed frames, closed pipes and deadlines; `kind` tells which.
struct WireError {
  enum class Kind { kClosed, kMalformed, kTimeout, kIo } kind;
  std::string message;
};

/// Writes a frame; throws WireError(kIo/kClosed) on failure.
void write_frame(int fd, const Frame& f);
/// Reads one frame; `deadline` of zero means wait forever. Validates magic, version, type
/// range, sizes and JSON syntax; throws WireError.
Frame read_frame(int fd, std::chrono::steady_clock::time_point deadline = {});

}  // namespace kda::wire
