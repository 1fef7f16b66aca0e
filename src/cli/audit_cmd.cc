// kda audit verify PATH: checks the hash chain of a task's (or run's) audit log.
#include <iostream>

#include "audit/audit_log.h"
#include "cli/commands.h"
#include "core/error.h"

namespace kda::cli {
namespace fs = std::filesystem;

namespace {

fs::path audit_path(const fs::path& p) {
  if (fs::is_regular_file(p)) return p;
  for (fs::path cand : {p / ".kda" / "audit.jsonl", p / "audit.jsonl"})
    if (fs::exists(cand)) return cand;
  fail(ErrorKind::kNotFound, "no audit log at " + p.string() + " (looked for .kda/audit.jsonl and audit.jsonl)");
}

void run_verify(const std::string& path, bool json) {
  fs::path log = audit_path(path);
  AuditCheck c = AuditLog(log).verify();
  if (json) {
    std::cout << Json({{"ok", c.ok}, {"records", c.records}, {"bad_line", c.bad_line}, {"problem", c.problem},
                       {"head", c.head}, {"path", log.string()}}).dump() << "\n";
  } else if (c.ok) {
    std::cout << "audit log OK: " << c.records << " records, head " << c.head << "\n";
  }
  if (!c.ok)
    fail(ErrorKind::kIntegrity, log.string() + ":" + std::to_string(c.bad_line) + ": audit chain broken: " + c.problem);
}

}  // namespace

void add_audit_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("audit", "Verify the hash-chained audit log");
  cmd->require_subcommand(1);
  auto* verify = cmd->add_subcommand("verify", "Check every record's hash and chain link");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  verify->add_option("PATH", *path, "Task directory, run directory or audit.jsonl")->required();
  verify->add_flag("--json", *json, "Machine-readable output");
  verify->callback([path, json] { run_verify(*path, *json); });
}

}  // namespace kda::cli
