// Where the CLI finds bundled data (examples) relative to the installed or built executable.
#pragma once

#include <filesystem>

namespace kda::cli {

/// $KDA_EXAMPLES_DIR, else <exe>/../share/kda/examples, else the source tree's examples/.
std::filesystem::path examples_dir();

}  // namespace kda::cli
