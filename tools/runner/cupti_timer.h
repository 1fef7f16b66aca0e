// The CUDA runner's timer of record (DESIGN §4 rule 5): CUPTI's activity API records every kernel,
// memcpy and memset of this process on every stream and context, with the GPU's own timestamps.
// A call's time is the span from the first such activity it caused to the last, so work that a
// candidate hides on a private stream, on the legacy default stream, or in a context of its own
// is counted. The runner's own device work (uploads, poison fills, the L2 flush, downloads) runs
// on a stream of its own and is left out by that stream's id; the launch gate, which sits on the
// candidate's stream, is left out as the earliest kernel of its name there (a candidate that
// names a kernel the same can only add the gate's time to its own).
//
// libcupti is loaded with dlopen, so a runner without it still runs: available() is false, and the
// device falls back to events plus a wall-clock bound (gpu_device.cc), which traces mark weaker.
#pragma once

#include <cstdint>
#include <string>

#include "tools/runner/activity_timer.h"

namespace kda::runner {

class CuptiTimer final : public ActivityTimer {
 public:
  /// Loads libcupti and enables kernel, memcpy and memset records. False with `why` set when
  /// CUPTI is missing or refuses (e.g. another profiler holds it).
  bool start(std::string* why) override;
  ~CuptiTimer() override;
  bool available() const override { return started_; }
  const char* kind() const override { return "cupti"; }
  const char* api_name() const override { return "CUPTI"; }
  const char* what() const override {
    return "CUPTI activity records: every kernel, memcpy and memset on any stream, first to last";
  }
  /// The runner's own stream (a cudaStream_t), whose records are never the candidate's, and the
  /// stream handed to the candidate, where the launch gate sits. Each costs one memset, whose
  /// record tells the id CUPTI gives the stream. A failure turns the timer off (available()).
  void set_own_stream(void* stream) override;
  void set_candidate_stream(void* stream) override;
  /// The name under which the launch gate's kernel appears in kernel records.
  void set_gate_kernel(const std::string& name) override;
  /// Flushes and forgets every record so far: the next window starts now.
  void discard() override;
  /// Flushes every record (call after a device-wide sync) and returns the span of the
  /// candidate's activities since the last discard()/collect(). `gated`: one gate kernel on the
  /// candidate's stream is to be left out.
  ActivitySpan collect(bool gated) override;
  const std::string& library() const { return library_; }

 private:
  void stop();
  bool started_ = false;
  std::string library_;
};

}  // namespace kda::runner
