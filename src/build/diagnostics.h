// What of a compiler's output an agent may see (issue 14 §1): never bytes of files outside the
// solution. The build's confinement already makes the task directory, the store and the home
// directory unreadable; this is the second line, for files the compiler may read (system
// directories, where a task could still lie). The rule, per diagnostic:
//  - a diagnostic located in one of the solution's own files, or in a toolchain header directory
//    (public text), is kept with its source excerpt and notes;
//  - a diagnostic located anywhere else keeps only "PATH:LINE: error:" and a note that it was
//    hidden; its message (which quotes tokens) and every continuation line (excerpt, caret,
//    "required from") are dropped until the next line that starts a new diagnostic;
//  - lines without a location (driver, linker, ptxas messages) are kept.
// Not covered: a message located in the solution's own file that quotes, through a macro, text
// of a file it included from an allowed directory (docs/sandbox.md says so).
#pragma once

#include <string>
#include <vector>

namespace kda {

/// `own` are the solution's file names as they appear in the log (relative, after the build's
/// directories were stripped); `public_dirs` are absolute toolchain include directories.
std::string scrub_diagnostics(const std::string& log, const std::vector<std::string>& own,
                              const std::vector<std::string>& public_dirs);

}  // namespace kda
