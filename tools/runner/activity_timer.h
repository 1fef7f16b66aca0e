// The GPU runner's timer of record, where the vendor has an activity API (DESIGN §4 rule 5): the
// device's own records of every kernel, copy and fill of this process on every stream. CUDA:
// CuptiTimer (cupti_timer.h). HIP: rocprofiler-sdk's buffered tracing would be the same thing,
// but Debian 12 ships no rocprofiler-sdk, so the HIP build has none and times with the
// events + wall-bound fallback (gpu_device.cc, docs/amd.md).
#pragma once

#include <cstdint>
#include <string>

namespace kda::runner {

struct ActivitySpan {
  int records = 0;        ///< candidate activities seen in the window
  uint64_t start_ns = 0;  ///< the earliest start among them (GPU clock)
  uint64_t end_ns = 0;    ///< the latest end among them
  double ms() const { return records > 0 && end_ns > start_ns ? (end_ns - start_ns) / 1e6 : 0.0; }
};

class ActivityTimer {
 public:
  virtual ~ActivityTimer() = default;
  /// Loads the vendor's library and enables its records. False with `why` set when it is
  /// missing or refuses (e.g. another profiler holds it).
  virtual bool start(std::string* why) = 0;
  virtual bool available() const = 0;
  /// The kind and description that describe() reports while this timer is the timer of record.
  virtual const char* kind() const = 0;
  virtual const char* what() const = 0;
  /// The vendor API's name in messages ("CUPTI").
  virtual const char* api_name() const = 0;
  /// The runner's own stream, whose records are never the candidate's, and the candidate's
  /// stream, where the launch gate sits. A failure turns the timer off (available()).
  virtual void set_own_stream(void* stream) = 0;
  virtual void set_candidate_stream(void* stream) = 0;
  /// The name under which the launch gate's kernel appears in kernel records.
  virtual void set_gate_kernel(const std::string& name) = 0;
  /// Forgets every record so far: the next window starts now.
  virtual void discard() = 0;
  /// Every record since the last discard()/collect() (call after a device-wide sync), as the
  /// span of the candidate's activities. `gated`: one gate kernel is to be left out.
  virtual ActivitySpan collect(bool gated) = 0;
};

}  // namespace kda::runner
