// kda status RUN [--json]: where a run stands (tasks, rounds, best speedup), read-only.
#include <iostream>

#include "cli/commands.h"
#include "loop/engine.h"

namespace kda::cli {

void add_status_command(CLI::App& root) {
  auto run = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = root.add_subcommand("status", "Show a run's tasks, rounds and best result");
  cmd->add_option("RUN_DIR", *run, "Run directory")->required();
  cmd->add_flag("--json", *json, "Machine-readable output");
  cmd->callback([=] {
    Json s = loop::run_status(*run);
    if (*json) {
      std::cout << s.dump(2) << "\n";
      return;
    }
    std::cout << "run " << s["run_dir"].get<std::string>() << (s["paused"].get<bool>() ? " (paused: see ESCALATION.md)" : "")
              << "\n";
    for (const Json& t : s["tasks"]) {
      char g[32];
      std::snprintf(g, sizeof g, "%.3f", t.value("best_geomean_speedup", 0.0));
      std::cout << "  " << t["id"].get<std::string>() << "  " << t["status"].get<std::string>() << "  rounds "
                << t["rounds"].get<int>() << "  best hidden geomean speedup " << g << "x\n";
    }
  });
}

}  // namespace kda::cli
