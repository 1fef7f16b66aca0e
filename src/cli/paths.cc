#include "cli/paths.h"

#include <cstdlib>

#include "core/error.h"

namespace kda::cli {
namespace fs = std::filesystem;

fs::path examples_dir() {
  if (const char* e = std::getenv("KDA_EXAMPLES_DIR"); e && *e) return e;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec).parent_path();
  for (fs::path cand : {exe / ".." / "share" / "kda" / "examples", exe / ".." / ".." / "examples",
                        fs::path(KDA_SOURCE_DIR) / "examples"})
    if (fs::is_directory(cand, ec)) return fs::weakly_canonical(cand, ec);
  fail(ErrorKind::kEnvironment, "the bundled examples were not found; set KDA_EXAMPLES_DIR to kda's examples/ folder");
}

}  // namespace kda::cli
