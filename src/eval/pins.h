// Pins of what a verdict depends on besides code (issue 14 §5): the definition file as a whole
// (tolerances, comparator, flops/bytes formulas, embedded references: loosening atol to 1e9
// would let a wrong kernel pass) and the workloads (the file and every safetensors file it
// names). Trust on first use, like the baseline and reference pins: the first evaluation pins
// and records them; a later change stops the evaluation (kIntegrity) until it is undone or
// re-pinned with `kda store pin TASK definition|workloads`, which the audit log records.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "task/task_dir.h"

namespace kda {

class Store;
class AuditLog;

/// {"definition", hash} and {"workloads", hash} as pinned: definition.json's SHA-256, and the
/// SHA-256 of workloads.jsonl's hash followed by each named safetensors file's path and hash.
std::vector<std::pair<std::string, std::string>> task_input_pins(const TaskDir& task);

/// Pins on first use, else compares; kIntegrity naming the file and the remedy on a mismatch.
void check_task_input_pins(const TaskDir& task, Store& store, AuditLog& audit,
                           const std::function<void(const std::string&)>& say);

}  // namespace kda
