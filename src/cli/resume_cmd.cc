// kda resume RUN [--note FILE] [--accept-plan]: continues a run from its journal after a crash,
// a kill, an escalation or a plan that waited for approval (docs/loop.md). A finished step is
// never redone.
#include <iostream>

#include "cli/commands.h"
#include "loop/engine.h"

namespace kda::cli {

void report_run_outcome(const loop::RunOutcome& o);  // run_cmd.cc

void add_resume_command(CLI::App& root) {
  auto run = std::make_shared<std::string>();
  auto note = std::make_shared<std::string>();
  auto* cmd = root.add_subcommand("resume", "Continue a run where it stopped");
  cmd->add_option("RUN_DIR", *run, "Run directory (printed by kda run)")->required();
  auto accept = std::make_shared<bool>(false);
  cmd->add_option("--note", *note, "A file answering the question in ESCALATION.md");
  cmd->add_flag("--accept-plan", *accept, "Approve the plan that waits for you (PLAN_REVIEW.md) and start the rounds");
  cmd->callback([=] {
    report_run_outcome(loop::resume_run(*run, *note, [](const std::string& line) { std::cerr << line << "\n"; }, *accept));
  });
}

}  // namespace kda::cli
