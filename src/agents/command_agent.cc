#include "agents/command_agent.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "agents/wait_group.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/json_io.h"
#include "core/subprocess.h"
#include "sandbox/sandbox.h"


namespace kda::agents {
namespace fs = std::filesystem;

std::string expand_placeholders(const std::string& s, const std::map<std::string, std::string>& values) {
  std::string out = s;
  if (out.rfind("~/", 0) == 0)
    if (const char* home = std::getenv("HOME"); home && *home) out = std::string(home) + out.substr(1);
  for (auto& [key, value] : values) {
    const std::string token = "{" + key + "}";
    for (size_t at = out.find(token); at != std::string::npos; at = out.find(token, at + value.size()))
      out.replace(at, token.size(), value);
  }
  return out;
}

namespace {

// A dotted path ("usage.input_tokens") into a JSON object; null when any step is missing.
Json dig(const Json& j, const std::string& path) {
  const Json* cur = &j;
  std::stringstream ss(path);
  for (std::string part; std::getline(ss, part, '.');) {
    if (!cur->is_object() || !cur->contains(part)) return Json();
    cur = &(*cur)[part];
  }
  return *cur;
}

// The last line of stdout that is a JSON object, else the whole of stdout parsed as one value.
std::optional<Json> last_json_object(const std::string& out) {
  size_t end = out.size();
  while (end > 0) {
    size_t start = out.rfind('\n', end - 1);
    start = start == std::string::npos ? 0 : start + 1;
    const std::string line = out.substr(start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string::npos) {
      Json j = Json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.is_object()) return j;
    }
    if (start == 0) break;
    end = start - 1;
  }
  Json whole = Json::parse(out, nullptr, false);
  if (!whole.is_discarded() && whole.is_object()) return whole;
  return std::nullopt;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> p;
  for (std::string& s : v) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

class CommandAgent : public Agent {
 public:
  explicit CommandAgent(AgentSpec spec) : spec_(std::move(spec)) {}
  std::string name() const override { return spec_.name; }

  AgentResult run(const AgentRequest& req) override {
    AgentResult r;
    fs::create_directories(req.transcript_dir);
    const fs::path prompt_file = req.transcript_dir / "prompt.md";
    write_file_atomic(prompt_file, req.prompt);
    r.transcript = req.transcript_dir / "stdout.txt";
    const CommandSpec& c = spec_.command;
    // {claude_allowed_tools}: Claude Code's --allowedTools list for a writer, its file tools and
    // one Bash(PREFIX:*) per allowed command (kda eval, profile, wiki search), so that print
    // mode, which cannot ask, may run exactly the commands the prompt lists.
    std::string claude_tools = "Read,Glob,Grep,Edit,Write";
    for (const std::string& cmd : req.permissions.allowed_commands) claude_tools += ",Bash(" + cmd + ":*)";
    const std::map<std::string, std::string> values = {{"prompt", req.prompt},
                                                       {"prompt_file", prompt_file.string()},
                                                       {"workspace", req.workspace.string()},
                                                       {"transcript_dir", req.transcript_dir.string()},
                                                       {"claude_allowed_tools", claude_tools}};
    std::vector<std::string> argv;
    for (const std::string& a : req.permissions.read_only && !c.read_only_argv.empty() ? c.read_only_argv : c.argv)
      argv.push_back(expand_placeholders(a, values));
    const std::optional<fs::path> exe = find_program(argv[0]);
    if (!exe) {
      r.exit_status = 127;
      r.error = "agent '" + spec_.name + "': program '" + argv[0] +
                "' not found on PATH; install it or name another agent (kda agents list, docs/agents.md)";
      return r;
    }
    std::error_code ec;
    if (!c.output_file.empty()) fs::remove(expand_placeholders(c.output_file, values), ec);

    std::map<std::string, std::string> env_set = {{"KDA_AGENT_ROLE", role_name(req.role)}};
    for (auto& [k, v] : c.env) env_set[k] = expand_placeholders(v, values);
    std::vector<std::string> env = environment_with(env_set);
    std::vector<fs::path> writable;
    for (const std::string& w : c.writable) writable.push_back(expand_placeholders(w, values));
    std::vector<char*> cargv = c_strings(argv), cenv = c_strings(env);
    const std::string exe_path = exe->string();

    const auto t0 = std::chrono::steady_clock::now();
    pid_t pid = ::fork();
    if (pid < 0) {
      r.exit_status = 1;
      r.error = std::string("fork: ") + std::strerror(errno);
      return r;
    }
    if (pid == 0) child(req, prompt_file, writable, exe_path, cargv.data(), cenv.data());

    const Waited waited = wait_or_kill_group(pid, t0 + req.timeout);
    r.timed_out = waited.timed_out;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!r.timed_out) r.exit_status = exit_code_of(waited.status);
    const std::string out = fs::exists(r.transcript) ? read_file(r.transcript) : "";
    const std::string err = fs::exists(req.transcript_dir / "stderr.txt") ? read_file(req.transcript_dir / "stderr.txt") : "";
    read_answer(values, out, r);
    if (r.timed_out) r.error = "timed out after " + std::to_string(req.timeout.count()) + " s (the process group was killed)";
    else if (r.exit_status == 97) r.error = "refused: Landlock is unavailable, and a read-only agent never runs unconfined";
    else if (r.exit_status != 0 && r.error.empty())
      r.error = "exit " + std::to_string(r.exit_status) + (err.empty() ? "" : ": " + err.substr(err.size() > 2000 ? err.size() - 2000 : 0));
    write_file_atomic(req.transcript_dir / "run.json",
                      Json{{"agent", spec_.name}, {"argv", argv}, {"exit", r.exit_status}, {"timed_out", r.timed_out},
                           {"wall_seconds", wall}, {"confined", req.permissions.read_only}}
                          .dump(1));
    return r;
  }

 private:
  // In the forked child: never returns.
  [[noreturn]] void child(const AgentRequest& req, const fs::path& prompt_file, const std::vector<fs::path>& writable,
                          const std::string& exe, char** argv, char** envp) {
    ::setpgid(0, 0);
    const int in = spec_.command.prompt_via == "stdin" ? ::open(prompt_file.c_str(), O_RDONLY) : ::open("/dev/null", O_RDONLY);
    const int out = ::open((req.transcript_dir / "stdout.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open((req.transcript_dir / "stderr.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) ::_exit(96);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    if (::chdir(req.workspace.c_str()) != 0) ::_exit(96);
    if (req.permissions.read_only) {
      try {
        SandboxPolicy p;
        p.filesystem_only = true;
        p.read_only = {"/"};
        p.read_write = writable;
        p.read_write.push_back("/dev");  // /dev/null, ttys
        p.scratch = req.transcript_dir;
        p.file_size = 0;
        p.open_files = 0;
        p.forbid_process_creation = false;
        p.forbid_exec_mappings = false;
        if (!apply_sandbox(p).landlock_applied) ::_exit(97);
      } catch (...) {
        ::_exit(97);
      }
    }
    ::execve(exe.c_str(), argv, envp);
    ::_exit(127);
  }

  void read_answer(const std::map<std::string, std::string>& values, const std::string& out, AgentResult& r) const {
    const CommandSpec& c = spec_.command;
    if (c.output == "text") {
      r.final_message = out;
    } else if (c.output == "file") {
      const fs::path f = expand_placeholders(c.output_file, values);
      if (fs::exists(f)) r.final_message = read_file(f);
      else if (r.exit_status == 0) r.error = "the agent left no answer in " + f.string();
    }
    if (c.output != "json" && c.usage_fields.empty()) return;
    const std::optional<Json> j = last_json_object(out);
    if (!j) {
      if (c.output == "json" && r.exit_status == 0) r.error = "the agent's stdout holds no JSON object (expected with output \"json\")";
      return;
    }
    if (c.output == "json") {
      const Json answer = dig(*j, c.result_field);
      if (answer.is_string()) r.final_message = answer.get<std::string>();
      else if (!answer.is_null()) r.final_message = answer.dump();
      else if (r.exit_status == 0) r.error = "the agent's JSON output has no field '" + c.result_field + "'";
    }
    for (auto& [what, path] : c.usage_fields) {
      const Json v = dig(*j, path);
      if (!v.is_number()) continue;
      if (what == "prompt_tokens") r.usage.prompt_tokens = v.get<long>();
      else if (what == "completion_tokens") r.usage.completion_tokens = v.get<long>();
      else if (what == "cost_usd") r.usage.cost_usd = v.get<double>();
    }
  }

  AgentSpec spec_;
};

}  // namespace

std::unique_ptr<Agent> make_command_agent(const AgentSpec& spec) {
  if (spec.kind != "command") fail(ErrorKind::kInternal, "make_command_agent: agent '" + spec.name + "' is not a command agent");
  return std::make_unique<CommandAgent>(spec);
}

}  // namespace kda::agents
