#include "agents/scripted_agent.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <thread>

#include "agents/wait_group.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/json_io.h"
#include "core/subprocess.h"
#include "sandbox/sandbox.h"

namespace kda::agents {
namespace fs = std::filesystem;
namespace {

std::vector<Json> load_replay(const fs::path& file) {
  if (!fs::exists(file)) fail(ErrorKind::kNotFound, "replay file " + file.string() + " does not exist");
  std::ifstream in(file);
  std::vector<Json> actions;
  std::string line;
  int n = 0;
  bool header = false;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = file.string() + ":" + std::to_string(n);
    Json j = parse_json(line, where);
    if (!header) {
      if (!j.is_object() || j.value("kda_replay", 0) != 1) fail(ErrorKind::kInput, where + ": the first line must be {\"kda_replay\": 1}");
      header = true;
      continue;
    }
    static const std::vector<std::string> kinds = {"write_file", "append_file", "delete_file", "run", "sleep", "final", "exit"};
    if (!j.is_object() || !j.contains("action") || !j["action"].is_string() ||
        std::find(kinds.begin(), kinds.end(), j["action"].get<std::string>()) == kinds.end())
      fail(ErrorKind::kInput, where + ": expected {\"action\": write_file|append_file|delete_file|run|sleep|final|exit, ...}");
    actions.push_back(j);
  }
  if (!header) fail(ErrorKind::kInput, file.string() + ": empty replay file (the first line must be {\"kda_replay\": 1})");
  return actions;
}

fs::path resolve(const fs::path& workspace, const std::string& p) {
  fs::path path(p);
  return path.is_absolute() ? path : workspace / path;
}

// Runs in the child. Returns the exit status; writes transcript.jsonl and final.txt.
int play(const std::vector<Json>& actions, const AgentRequest& req) {
  std::ofstream log(req.transcript_dir / "transcript.jsonl");
  std::string final_message, errors;
  int status = 0;
  for (const Json& a : actions) {
    const std::string kind = a["action"];
    Json rec = {{"action", kind}};
    try {
      if (kind == "write_file" || kind == "append_file") {
        fs::path p = resolve(req.workspace, a.value("path", ""));
        rec["path"] = p.string();
        std::ofstream out(p, kind == "write_file" ? std::ios::trunc : std::ios::app);
        if (!out) throw std::runtime_error(std::string("cannot open for writing: ") + std::strerror(errno));
        out << a.value("content", "");
        out.close();
        if (!out) throw std::runtime_error("write failed");
      } else if (kind == "delete_file") {
        fs::path p = resolve(req.workspace, a.value("path", ""));
        rec["path"] = p.string();
        fs::remove(p);
      } else if (kind == "run") {
        ProcessSpec spec;
        spec.argv = a.value("argv", std::vector<std::string>{});
        spec.cwd = req.workspace;
        spec.timeout = std::chrono::seconds(600);
        ProcessResult r = run_process(spec);
        rec["argv"] = spec.argv;
        rec["result"] = r.describe();
        rec["out"] = r.out.substr(0, 4000);
        rec["err"] = r.err.substr(0, 4000);
      } else if (kind == "sleep") {
        std::this_thread::sleep_for(std::chrono::duration<double>(a.value("seconds", 0.0)));
      } else if (kind == "final") {
        final_message = a.value("message", "");
      } else if (kind == "exit") {
        status = a.value("status", 0);
        rec["ok"] = true;
        log << rec.dump() << "\n";
        break;
      }
      rec["ok"] = true;
    } catch (const std::exception& e) {
      rec["ok"] = false;
      rec["error"] = e.what();
      errors += kind + " " + rec.value("path", std::string()) + ": " + e.what() + "\n";
    }
    log << rec.dump() << "\n";
    log.flush();
  }
  write_file_atomic(req.transcript_dir / "final.txt", final_message);
  write_file_atomic(req.transcript_dir / "errors.txt", errors);
  return status;
}

class ScriptedAgent : public Agent {
 public:
  explicit ScriptedAgent(fs::path file) : file_(std::move(file)), actions_(load_replay(file_)) {}
  std::string name() const override { return "scripted:" + file_.filename().string(); }

  AgentResult run(const AgentRequest& req) override {
    AgentResult r;
    fs::create_directories(req.transcript_dir);
    r.transcript = req.transcript_dir / "transcript.jsonl";
    std::error_code ec;
    fs::remove(req.transcript_dir / "final.txt", ec);
    pid_t pid = ::fork();
    if (pid < 0) {
      r.exit_status = 1;
      r.error = std::string("fork: ") + std::strerror(errno);
      return r;
    }
    if (pid == 0) {
      ::setpgid(0, 0);
      int code = 0;
      try {
        if (req.permissions.read_only) {
          // Everything readable, only the transcript directory writable; the agent may still
          // run programs (read-only ones), so process creation and exec stay allowed.
          SandboxPolicy p;
          p.read_only = {"/"};
          p.scratch = req.transcript_dir;
          p.forbid_process_creation = false;
          p.forbid_exec_mappings = false;
          SandboxStatus st = apply_sandbox(p);
          if (!st.landlock_applied) {
            write_file_atomic(req.transcript_dir / "errors.txt", "Landlock unavailable: refusing to run a read-only agent unconfined\n");
            ::_exit(97);
          }
        }
        code = play(actions_, req);
      } catch (const std::exception& e) {
        std::ofstream(req.transcript_dir / "errors.txt", std::ios::app) << e.what() << "\n";
        code = 98;
      }
      ::_exit(code);
    }
    const Waited waited = wait_or_kill_group(pid, std::chrono::steady_clock::now() + req.timeout);
    r.timed_out = waited.timed_out;
    if (!r.timed_out) r.exit_status = exit_code_of(waited.status);
    if (fs::exists(req.transcript_dir / "final.txt")) r.final_message = read_file(req.transcript_dir / "final.txt");
    if (fs::exists(req.transcript_dir / "errors.txt")) r.error = read_file(req.transcript_dir / "errors.txt");
    if (r.timed_out) r.error += "timed out after " + std::to_string(req.timeout.count()) + " s";
    return r;
  }

 private:
  fs::path file_;
  std::vector<Json> actions_;
};

}  // namespace

std::unique_ptr<Agent> make_scripted_agent(const fs::path& replay_file) {
  return std::make_unique<ScriptedAgent>(replay_file);
}

}  // namespace kda::agents
