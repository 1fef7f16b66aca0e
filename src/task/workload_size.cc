#include "task/workload_size.h"

#include <algorithm>
#include <cstdio>

#include <fstream>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "task/dtype.h"

namespace kda {
namespace {

constexpr uint64_t kLimit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

std::string gib(uint64_t b) {
  std::ostringstream s;
  s.precision(3);
  s << static_cast<double>(b) / (1024.0 * 1024 * 1024) << " GiB";
  return s.str();
}

}  // namespace

uint64_t workload_bytes(const Definition& d, const Workload& w) {
  const std::string origin = (w.origin.empty() ? std::string() : w.origin + ": ") + "workload " + w.uuid;
  const auto axes = resolve_axes(d, w.axes, origin);
  uint64_t total = 0;
  auto add = [&](const TensorSpec& t) {
    uint64_t n = dtype_size(t.dtype);
    for (int64_t dim : resolve_shape(t, axes)) {
      if (dim < 0) fail(ErrorKind::kInput, origin + ": tensor '" + t.name + "' has a negative dimension");
      if (dim != 0 && n > kLimit / static_cast<uint64_t>(dim))
        fail(ErrorKind::kInput, origin + ": tensor '" + t.name + "' has more bytes than a 64-bit size can count; "
                                "make the workload's axes smaller");
      n *= static_cast<uint64_t>(dim);
    }
    if (n > kLimit - total)
      fail(ErrorKind::kInput, origin + ": its tensors together have more bytes than a 64-bit size can count");
    total += n;
  };
  for (const TensorSpec& t : d.inputs) add(t);
  for (const TensorSpec& t : d.outputs) add(t);
  return total;
}

uint64_t host_available_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return 0;
}

void check_workload_fits(const Definition& d, const Workload& w, uint64_t copies, uint64_t available,
                         const std::string& where) {
  const uint64_t one = workload_bytes(d, w);
  if (available == 0 || one == 0) return;
  if (copies > 0 && one > kLimit / copies)
    fail(ErrorKind::kInput, "workload " + w.uuid + ": " + std::to_string(copies) + " sets of its tensors (" + gib(one) +
                                " each) cannot be counted in 64 bits");
  const uint64_t need = one * copies;
  if (need > available)
    fail(ErrorKind::kInput, (w.origin.empty() ? std::string() : w.origin + ": ") + "workload " + w.uuid +
                                " does not fit: its tensors take " + gib(one) + " per set and the evaluator holds at least " +
                                std::to_string(copies) + " sets (" + gib(need) + "), but " + where + " has " +
                                gib(available) + " available; make its axes smaller or run it on a larger machine");
}

std::string leave_out_workloads_above(const Definition& d, std::vector<Workload>& workloads, uint64_t max_bytes) {
  std::vector<Workload> kept;
  uint64_t largest = 0;
  for (Workload& w : workloads) {
    const uint64_t bytes = workload_bytes(d, w);
    if (bytes <= max_bytes) kept.push_back(std::move(w));
    else largest = std::max(largest, bytes);
  }
  const size_t dropped = workloads.size() - kept.size(), total = workloads.size();
  workloads = std::move(kept);
  if (!dropped) return "";
  char line[256];
  std::snprintf(line, sizeof line, "--max-workload-mb %g leaves out %zu of %zu workloads of %s (the largest %.0f MB)",
                static_cast<double>(max_bytes) / 1e6, dropped, total, d.name.c_str(), static_cast<double>(largest) / 1e6);
  return line;
}

}  // namespace kda
