// kda audit verify PATH: checks the hash chain of a task's (or run's) audit log.
// kda audit show PATH: prints its records (seq, time, event, data), optionally filtered by event.
#include <fstream>
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

void run_show(const std::string& path, const std::string& event, bool json) {
  fs::path log = audit_path(path);
  std::ifstream in(log);
  if (!in) fail(ErrorKind::kEnvironment, "cannot read " + log.string());
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    Json r = parse_json(line, log.string() + ":" + std::to_string(n));
    if (!event.empty() && r.value("event", "") != event) continue;
    if (json) {
      std::cout << r.dump() << "\n";
    } else {
      std::string data = r.contains("data") ? r["data"].dump() : "{}";
      if (data.size() > 160) data = data.substr(0, 157) + "...";
      std::cout << r.value("seq", int64_t{0}) << "  " << r.value("time", "") << "  " << r.value("event", "") << "  "
                << data << "\n";
    }
  }
}

}  // namespace

void add_audit_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("audit", "Verify or show the hash-chained audit log");
  cmd->require_subcommand(1);
  auto* verify = cmd->add_subcommand("verify", "Check every record's hash and chain link");
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  verify->add_option("PATH", *path, "Task directory, run directory or audit.jsonl")->required();
  verify->add_flag("--json", *json, "Machine-readable output");
  verify->callback([path, json] { run_verify(*path, *json); });
  auto* show = cmd->add_subcommand("show", "Print the log's records (one per line)");
  auto spath = std::make_shared<std::string>();
  auto sevent = std::make_shared<std::string>();
  auto sjson = std::make_shared<bool>(false);
  show->add_option("PATH", *spath, "Task directory, run directory or audit.jsonl")->required();
  show->add_option("--event", *sevent, "Only records of this event");
  show->add_flag("--json", *sjson, "Print each record as its JSON line");
  show->callback([spath, sevent, sjson] { run_show(*spath, *sevent, *sjson); });
}

}  // namespace kda::cli
