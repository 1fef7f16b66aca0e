// PLACEHOLDER while the module is being written; replaced before the session ends.
#include "cli/commands.h"
#include "core/error.h"
namespace kda::cli {
void add_audit_command(CLI::App& root) {
  root.add_subcommand("audit", "(being built)")->callback([] {
    fail(ErrorKind::kEnvironment, "'kda audit' is not built yet");
  });
}
}  // namespace kda::cli
