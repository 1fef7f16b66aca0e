// One runner session: turns judge requests into calls of the loaded entry point on the device.
// Per call: upload the input set into one of two rotating buffer slots (so a cache keyed on
// pointers sees the same address with new contents), poison the outputs, evict caches, time the
// call, download outputs, hash the inputs as they are after the call. Sets come from the request's
// blob or from the region shared with the judge, and outputs go back the same way.
#pragma once

#include <dlpack/dlpack.h>

#include <memory>
#include <vector>

#include "eval/protocol.h"
#include "eval/shared_region.h"
#include "tools/runner/device.h"

namespace kda::runner {

using EntryFn = int (*)(const DLTensor*, int, DLTensor*, int, void*);

class Slot;

class Session {
 public:
  /// `shm`: the region shared with the judge (fd 5), or nullptr when requests come from files.
  Session(Device& device, EntryFn entry, SharedRegion* shm);
  ~Session();
  wire::Frame handle(const wire::Frame& request);

 private:
  wire::Frame run(const wire::Frame& request);
  wire::Frame batch(const wire::Frame& request);
  Device& device_;
  EntryFn entry_;
  SharedRegion* shm_;
  // The buffers of the last RUN call stay on the device so that a BATCH (timed by the judge
  // from outside) contains no transfer whose variance would blur the comparison.
  struct Held;
  std::unique_ptr<Held> held_;
};

}  // namespace kda::runner
