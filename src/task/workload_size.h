// How much memory a workload's tensors need, computed from the definition's shapes before
// anything is allocated (issue 14 §4): a shape whose tensors cannot fit is an input error that
// names the workload, not std::bad_alloc in the judge or the OOM killer in the runner.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "task/definition.h"
#include "task/workload.h"

namespace kda {

/// Bytes of one set of the workload's input and output tensors (resolved shape x dtype size of
/// each). Every product and sum is overflow-checked: kInput naming the workload and the tensor
/// when the count does not fit in 63 bits.
uint64_t workload_bytes(const Definition& d, const Workload& w);

/// /proc/meminfo's MemAvailable in bytes; 0 when it cannot be read (then nothing is refused).
uint64_t host_available_bytes();

/// kInput naming the workload when `copies` sets of its tensors (the least the evaluator holds
/// at once) need more than `available` bytes of `where` ("host memory", "device memory").
/// `available` 0 means unknown and passes.
void check_workload_fits(const Definition& d, const Workload& w, uint64_t copies, uint64_t available,
                         const std::string& where);

/// --max-workload-mb: keeps the workloads whose one set takes at most `max_bytes`, and returns
/// a line saying what was left out ("" when nothing was). The files are not touched.
std::string leave_out_workloads_above(const Definition& d, std::vector<Workload>& workloads, uint64_t max_bytes);

}  // namespace kda
