// kda's entry point: builds the command table, runs the chosen subcommand, and is the one place
// where errors become a message and an exit code (docs/cli.md lists them).
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"kda — Kernel Design Agents: develop GPU kernels with loops that cannot fool themselves"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "kda 0.1.0");
  kda::cli::add_init_command(app);
  kda::cli::add_eval_command(app);
  kda::cli::add_store_command(app);
  kda::cli::add_audit_command(app);
  kda::cli::add_profile_command(app);
  kda::cli::add_wiki_command(app);
  kda::cli::add_run_command(app);
  kda::cli::add_resume_command(app);
  kda::cli::add_status_command(app);
  kda::cli::add_plan_command(app);
  kda::cli::add_tune_command(app);
  kda::cli::add_agents_command(app);
  kda::cli::add_report_command(app);
  kda::cli::add_serve_command(app);
  kda::cli::add_traces_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "kda: error: %s\n(run 'kda --help' or 'kda <command> --help' for usage)\n",
                 e.what());
    return kda::exit_code_for(kda::ErrorKind::kUsage);
  } catch (const kda::Error& e) {
    std::fprintf(stderr, "kda: error: %s\n", e.what());
    return kda::exit_code_for(e.kind());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kda: internal error: %s\n(please report this as a bug)\n", e.what());
    return kda::exit_code_for(kda::ErrorKind::kInternal);
  }
  return 0;
}
