// Range checks for every numeric option (issue 14 §4: `--budget -1` once stored PASSED with zero
// samples). CLI11's Range lets NaN through (every comparison with NaN is false), so these
// validators parse the value themselves and accept only finite numbers inside [lo, hi]; a
// value outside is a usage error (exit 2) that names the option's range. docs/cli.md lists them.
#pragma once

#include <CLI/CLI.hpp>

namespace kda::cli {

/// A finite number of seconds (or any real quantity) in [lo, hi].
CLI::Validator real_in(double lo, double hi, const std::string& unit = "");
/// A whole number in [lo, hi].
CLI::Validator whole_in(long long lo, long long hi);

}  // namespace kda::cli
