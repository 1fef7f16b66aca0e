// Plain-text result tables for the terminal.
#pragma once

#include <ostream>
#include <vector>

#include "eval/judge.h"

namespace kda::cli {

void print_results(std::ostream& out, const std::vector<SolutionResult>& results);

}  // namespace kda::cli
