// The subcommand table. Each subcommand lives in its own file (`<name>_cmd.cc`), adds itself to
// the root CLI11 app and does its work through a library module; errors propagate as
// kda::Error to main(), which prints one line and returns the kind's exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace kda::cli {

void add_init_command(CLI::App& root);
void add_eval_command(CLI::App& root);
void add_store_command(CLI::App& root);
void add_audit_command(CLI::App& root);
void add_profile_command(CLI::App& root);
void add_wiki_command(CLI::App& root);
void add_run_command(CLI::App& root);
void add_resume_command(CLI::App& root);
void add_status_command(CLI::App& root);
void add_plan_command(CLI::App& root);
void add_tune_command(CLI::App& root);
void add_agents_command(CLI::App& root);
void add_report_command(CLI::App& root);
void add_serve_command(CLI::App& root);
void add_traces_command(CLI::App& root);

}  // namespace kda::cli
