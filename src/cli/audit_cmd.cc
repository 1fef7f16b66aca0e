// kda audit verify PATH: checks the hash chain of a task's (or run's) audit log, and a task's log
// against the chain its store recorded (truncation, a torn line, a missing tail).
// kda audit repair PATH: keeps the intact records of a damaged task log and records the loss.
// kda audit show PATH: prints its records (seq, time, event, data), optionally filtered by event.
#include <fstream>
#include <iostream>
#include <memory>

#include "audit/audit_log.h"
#include "audit/task_store.h"
#include "cli/commands.h"
#include "core/error.h"
#include "store/store.h"

namespace kda::cli {
namespace fs = std::filesystem;

namespace {

fs::path audit_path(const fs::path& p) {
  if (fs::is_regular_file(p)) return p;
  for (fs::path cand : {p / ".kda" / "audit.jsonl", p / "audit.jsonl"})
    if (fs::exists(cand)) return cand;
  // A task whose store remains but whose log is gone: verify reports that against the store.
  if (store_exists(p / ".kda")) return p / ".kda" / "audit.jsonl";
  if (auto m = store_marker(p); m && fs::exists(p / "definition.json"))
    fail(ErrorKind::kIntegrity, (p / ".kda").string() + " is gone (store and audit log), but this machine created a store "
                                "there on " + m->value("created_at", std::string("an unknown date")) + " (store id " +
                                m->value("store_id", std::string()) + "): restore it from a backup");
  fail(ErrorKind::kNotFound, "no audit log at " + p.string() + " (looked for .kda/audit.jsonl and audit.jsonl)");
}

// A task's log lives beside its store (kda.db), which anchors it; a run's log has none.
struct Opened {
  fs::path log;
  std::unique_ptr<Store> store;
  std::unique_ptr<AuditLog> audit;
};

Opened open_log(const std::string& path) {
  Opened o;
  o.log = audit_path(path);
  if (store_exists(o.log.parent_path())) o.store = std::make_unique<Store>(o.log.parent_path());
  o.audit = std::make_unique<AuditLog>(o.log, o.store.get());
  return o;
}

Json check_json(const AuditCheck& c, const fs::path& log) {
  return {{"ok", c.ok}, {"records", c.records}, {"bad_line", c.bad_line}, {"problem", c.problem}, {"head", c.head},
          {"path", log.string()}, {"anchored", c.anchored}, {"anchored_records", c.anchored_records},
          {"unanchored", c.unanchored}, {"intact", c.intact}, {"note", c.note}, {"recovery", c.recovery},
          {"store_created_at", c.store_created_at}, {"store_created_by", c.store_created_by}};
}

void run_verify(const std::string& path, bool json) {
  Opened o = open_log(path);
  AuditCheck c = o.audit->verify();
  if (json) {
    std::cout << check_json(c, o.log).dump() << "\n";
  } else if (c.ok) {
    std::cout << "audit log OK: " << c.records << " records, head " << c.head << "\n";
    if (c.anchored)
      std::cout << "anchored in the store: " << c.anchored_records << " records; store created "
                << (c.store_created_at.empty() ? "before store schema 3" : c.store_created_at)
                << (c.store_created_by.empty() ? "" : " by " + c.store_created_by) << "\n";
    else
      std::cout << "not anchored (no store beside it): a cut-off tail cannot be detected\n";
  }
  if (!c.note.empty()) std::cerr << "kda: note: " << c.note << "\n";
  if (!c.ok)
    fail(ErrorKind::kIntegrity, o.log.string() + ":" + std::to_string(c.bad_line) + ": audit chain broken: " + c.problem +
                                    ". " + c.recovery);
}

void run_repair(const std::string& path) {
  Opened o = open_log(path);
  AuditCheck c = o.audit->repair();
  if (c.ok) {
    std::cout << "audit log OK (" << c.records << " records): nothing to repair\n";
    return;
  }
  AuditCheck now = o.audit->verify();
  std::cout << "repaired " << o.log.string() << ": kept " << (now.records - 1) << " intact records, recorded the loss ("
            << c.problem << ") as record " << now.records << "; the damaged log was copied aside beside it\n";
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
    auto text = [](const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); };
    if (json) {
      std::cout << text(r) << "\n";
    } else {
      std::string data = r.contains("data") ? text(r["data"]) : "{}";
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
  auto* repair = cmd->add_subcommand("repair", "Keep a damaged task log's intact records and record what was lost");
  auto rpath = std::make_shared<std::string>();
  repair->add_option("PATH", *rpath, "Task directory or its .kda/audit.jsonl")->required();
  repair->callback([rpath] { run_repair(*rpath); });
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
