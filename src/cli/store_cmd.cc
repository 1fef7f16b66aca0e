// PLACEHOLDER while the module is being written; replaced before the session ends.
#include "cli/commands.h"
#include "core/error.h"
namespace kda::cli {
void add_store_command(CLI::App& root) {
  root.add_subcommand("store", "(being built)")->callback([] {
    fail(ErrorKind::kEnvironment, "'kda store' is not built yet");
  });
}
}  // namespace kda::cli
