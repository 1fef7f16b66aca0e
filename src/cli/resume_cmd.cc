// kda resume RUN [--note FILE] [--accept-plan]: continues a run from its journal after a crash,
// a kill, an escalation or a plan that waited for approval (docs/loop.md). A finished step is
// never redone.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "audit/task_store.h"
#include "cli/commands.h"
#include "cli/paths.h"
#include "core/json_io.h"
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
    // The run evaluates in its task's store: a store deleted or replaced since the run began is
    // refused here as `kda eval` refuses it (issue 14 §5), never re-made quietly by the resume.
    const std::filesystem::path meta = std::filesystem::path(*run) / "run.json";
    const Json m = std::filesystem::exists(meta) ? read_json_file(meta) : Json::object();
    // A dataset definition's run names its definition file; its store is DATASET/.kda/<name>.
    if (m.is_object() && m.contains("task_dir") && m["task_dir"].is_string() &&
        std::filesystem::is_regular_file(m["task_dir"].get<std::string>()))
      prepare_store(load_task_dir(m["task_dir"].get<std::string>()), "kda resume", false);
    else if (m.is_object() && m.contains("task_dir") && m["task_dir"].is_string())
      prepare_task_store(m["task_dir"].get<std::string>(),
                         {.command = "kda resume", .allow_new = false,
                          .warn = [](const std::string& w) { std::fprintf(stderr, "kda: WARNING: %s\n", w.c_str()); }});
    report_run_outcome(loop::resume_run(*run, *note, [](const std::string& line) { std::cerr << line << "\n"; }, *accept));
  });
}

}  // namespace kda::cli
