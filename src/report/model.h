// The report's data model (docs/report.md, version field `kda_report`): everything `kda report`
// draws and `kda serve` streams, gathered read-only from a task directory (its store's traces
// and pins, audit log, routers' regimes.json, runs under .kda/runs), a run directory (journal,
// candidate ledger, run.json, audit log, and its task) or a dataset (a directory of task
// directories). Every number in the model carries the id of the trace it came from: "s<id>" for
// a stored trace, "r<run>/<task>/<round>/<i>" for a trace summarised in a run's check step.
// Full trace documents go in "trace_bodies" (id -> trace) so that a page can leave them unparsed
// until one is opened.
#pragma once

#include <filesystem>

#include "core/json_io.h"

namespace kda::report {

inline constexpr int kReportSchemaVersion = 1;

/// "task", "run" or "dataset"; kInput for a path that is none of them (naming what it lacks).
std::string classify(const std::filesystem::path& path);

/// Builds the model of `path`. kInput when the path is neither a task, a run nor a dataset.
Json build_model(const std::filesystem::path& path);

/// A cheap fingerprint of every file the model of `path` is built from (sizes and mtimes):
/// `kda serve` rebuilds and pushes the model only when it changes.
std::string fingerprint(const std::filesystem::path& path);

}  // namespace kda::report
