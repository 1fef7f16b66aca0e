// kda plan check FILE: validates a plan.json (schema version, tasks, criteria, budgets) and prints
// what kda will enforce; errors name the file, line/column (JSON syntax) or field (content).
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "loop/plan.h"

namespace kda::cli {
namespace fs = std::filesystem;

namespace {

void run_check(const fs::path& file, bool json) {
  if (!fs::exists(file)) fail(ErrorKind::kNotFound, "no plan file at " + file.string());
  const loop::Plan p = loop::load_plan(file);
  if (json) {
    std::cout << Json({{"ok", true}, {"path", file.string()}, {"plan", loop::to_json(p)}}).dump() << "\n";
    return;
  }
  std::cout << "plan OK: " << file.string() << ": " << p.tasks.size() << " task(s); consult after "
            << p.consult_after << ", escalate after " << p.escalate_after << ", stop after " << p.stall_rounds
            << " rounds without progress\n";
  for (const auto& t : p.tasks) {
    std::cout << "  " << t.id << ": " << t.goal << " (max " << t.max_rounds << " rounds, review "
              << (t.review_required ? "required" : "not required") << ")\n";
    for (const auto& c : t.criteria) std::cout << "    - " << c.describe() << "\n";
  }
}

}  // namespace

void add_plan_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("plan", "Validate a run plan (plan.json)");
  cmd->require_subcommand(1);
  auto* check = cmd->add_subcommand("check", "Validate plan.json and print the criteria kda will enforce");
  auto file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  check->add_option("FILE", *file, "plan.json")->required();
  check->add_flag("--json", *json, "Machine-readable output");
  check->callback([file, json] { run_check(*file, *json); });
}

}  // namespace kda::cli
