// One runner session: turns judge requests into calls of the loaded entry point on the device.
// Per call: upload the input set into one of two rotating buffer slots (so a cache keyed on
// pointers sees the same address with new contents), poison the outputs, evict caches, time the
// call, download outputs, hash the inputs as they are after the call.
#pragma once

#include <dlpack/dlpack.h>

#include <memory>
#include <vector>

#include "eval/protocol.h"
#include "tools/runner/device.h"

namespace kda::runner {

using EntryFn = int (*)(const DLTensor*, int, DLTensor*, int, void*);

class Slot;

class Session {
 public:
  Session(Device& device, EntryFn entry);
  ~Session();
  wire::Frame handle(const wire::Frame& request);

 private:
  wire::Frame run(const wire::Frame& request);
  wire::Frame batch(const wire::Frame& request);
  Device& device_;
  EntryFn entry_;
  // The buffers of the last RUN call stay on the device so that a BATCH (timed by the judge
  // from outside) contains no transfer whose variance would blur the comparison.
  struct Held;
  std::unique_ptr<Held> held_;
};

}  // namespace kda::runner
