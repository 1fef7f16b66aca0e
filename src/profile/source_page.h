// source_page: reads `ncu --csv --page source --print-source cuda,sass` (CUDA lines, each followed
// by its SASS instructions, with per-line warp-stall sampling columns) and the `--print-source
// ptx` page. Contract: hotspots are the CUDA lines with the most stall samples, each with its
// dominant stall reason (stall_* columns, "(Not Issued)" and selected/not_selected excluded),
// its hottest SASS instructions, and an inline-PTX flag when the line holds an asm statement;
// link_ptx() maps an inline asm hotspot to the PTX lines of its instruction inside the kernel's
// entry. Columns found by name; a page with no sampling columns yields no hotspots.
#pragma once

#include <string>
#include <vector>

#include "profile/csv.h"
#include "profile/model.h"

namespace kda::profile {

struct SourcePage {
  std::string function;  ///< "Function Name" of the page's preamble (may be empty)
  std::vector<Hotspot> hotspots;  ///< best first
};

SourcePage read_source_page(const CsvTable& csv, size_t max_hotspots = 5);

struct PtxPage {
  std::vector<std::pair<int, std::string>> lines;  ///< PTX line number, text
};
PtxPage read_ptx_page(const CsvTable& csv);

/// Fills Hotspot::ptx_lines for inline-asm hotspots of `kernel_short_name`.
void link_ptx(std::vector<Hotspot>& hotspots, const PtxPage& ptx, const std::string& kernel_short_name);

}  // namespace kda::profile
