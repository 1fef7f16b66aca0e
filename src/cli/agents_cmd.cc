// kda agents list | show NAME [--agents FILE] [--json]: the agents `kda run --writer/--verifier`
// can name (docs/agents.md), read-only. A thin layer over src/agents/config.h.
#include <iostream>

#include "agents/config.h"
#include "cli/commands.h"
#include "core/error.h"

namespace kda::cli {

namespace {

std::string where(const agents::AgentSpec& s) {
  return s.kind == "command" ? s.command.argv.front() : s.openai.base_url + " (" + s.openai.model + ")";
}

}  // namespace

void add_agents_command(CLI::App& root) {
  auto file = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto name = std::make_shared<std::string>();
  auto* cmd = root.add_subcommand("agents", "The agents kda run can name: built-in templates and your agents file");
  cmd->require_subcommand(1);
  auto* list = cmd->add_subcommand("list", "Every agent, its kind and where it comes from");
  list->add_option("--agents", *file, "Agents file (default: $KDA_AGENTS, else ~/.config/kda/agents.json)");
  list->add_flag("--json", *json, "Machine-readable output");
  list->callback([=] {
    const agents::AgentConfig c = agents::resolve_agent_config(*file);
    if (*json) {
      Json out = Json::array({{{"name", "builtin"}, {"kind", "builtin"}, {"origin", "kda"}}});
      for (auto& [n, s] : c.agents) out.push_back({{"name", n}, {"kind", s.kind}, {"origin", s.origin}, {"runs", where(s)}});
      std::cout << out.dump(2) << "\n";
      return;
    }
    std::cout << "builtin      kda's search writer and rule-based verifier (no model)\n";
    for (auto& [n, s] : c.agents) {
      std::string pad(n.size() < 12 ? 12 - n.size() : 1, ' ');
      std::cout << n << pad << " " << s.kind << ": " << where(s) << "  [" << s.origin << "]\n";
    }
  });
  auto* show = cmd->add_subcommand("show", "One agent's spec, as kda will run it (JSON)");
  show->add_option("NAME", *name, "Agent name")->required();
  show->add_option("--agents", *file, "Agents file (default: $KDA_AGENTS, else ~/.config/kda/agents.json)");
  show->callback([=] {
    const agents::AgentConfig c = agents::resolve_agent_config(*file);
    const std::optional<agents::AgentSpec> s = c.find(*name);
    if (!s) fail(ErrorKind::kNotFound, "no agent named '" + *name + "' (see `kda agents list`)");
    Json j = agents::to_json(*s);
    j["origin"] = s->origin;
    std::cout << j.dump(2) << "\n";
  });
}

}  // namespace kda::cli
