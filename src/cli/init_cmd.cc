// PLACEHOLDER while the module is being written; replaced before the session ends.
#include "cli/commands.h"
#include "core/error.h"
namespace kda::cli {
void add_init_command(CLI::App& root) {
  root.add_subcommand("init", "(being built)")->callback([] {
    fail(ErrorKind::kEnvironment, "'kda init' is not built yet");
  });
}
}  // namespace kda::cli
