// report: loads a profile from a directory or a list of files and runs the analysis. Contract:
// in a directory, the canonical names are read (details.csv, raw.csv, raw_instances.csv,
// source_<kernel>.csv, source_ptx_<kernel>.csv; rocprof-compute's pmc_perf.csv, SQ_*LEVEL*.csv,
// sysinfo.csv, roofline.csv; rocprofv3's *counter_collection.csv); explicit files are classified
// by the column names of their header, wherever they stand, never by position or file name. A `.ncu-rep` is exported through
// ncu first (ncu_runner.h). Every kernel is resolved (metric_table.h), diagnosed, given its
// hotspots, PTX links and timeline. Errors name the file and line.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "profile/model.h"

namespace kda::profile {

class Runner;

/// Loads and analyzes. `runner` is used only for .ncu-rep inputs (nullptr: the real one).
/// A report of several pages (a directory, a .ncu-rep, several files) reads what it can: a page
/// that cannot be read is a warning in Report::warnings; only when no page at all can be read
/// is it an error. One explicit file is refused with FILE:LINE when it cannot be read.
Report load_report(const std::vector<std::filesystem::path>& inputs, Runner* runner = nullptr);

/// Leaves out the kernels whose short name (Kernel::short_name) is listed, recording each in
/// Report::excluded: the runner's own kernels, by the list the runner publishes.
void drop_kernels(Report& r, const std::vector<std::string>& short_names);

/// Analysis on already-read kernels (used by the readers and by tests that perturb values).
void analyze(Kernel& k);

}  // namespace kda::profile
