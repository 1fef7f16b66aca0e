#include "agents/workspace_tools.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

#include "core/error.h"
#include "core/fs.h"
#include "core/subprocess.h"

namespace kda::agents {
namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxReadBytes = 200'000;    // per read_file call; the model can page with offset
constexpr size_t kMaxCommandOutput = 20'000;  // per stream, the end kept (errors come last)

std::string tail(const std::string& s, size_t n) { return s.size() <= n ? s : "[...]\n" + s.substr(s.size() - n); }

Json function(const std::string& name, const std::string& description, Json properties, std::vector<std::string> required) {
  return {{"type", "function"},
          {"function", {{"name", name}, {"description", description},
                        {"parameters", {{"type", "object"}, {"properties", properties}, {"required", required}}}}}};
}

std::string arg_string(const Json& a, const char* key) {
  if (!a.is_object() || !a.contains(key) || !a[key].is_string())
    throw std::runtime_error(std::string("missing string argument '") + key + "'");
  return a[key].get<std::string>();
}

}  // namespace

std::string quote_command_word(const std::string& word) {
  // Only letters, digits and _./:=@%+,- stay bare: anything else means something to a shell.
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
    return std::isalnum(c) || std::strchr("_./:=@%+,-", c) != nullptr;
  });
  if (plain) return word;
  if (word.find('\'') == std::string::npos) return "'" + word + "'";
  if (word.find_first_of("\"\\$`") == std::string::npos) return "\"" + word + "\"";
  fail(ErrorKind::kInput, "the path " + word + " holds quote characters kda cannot put on an agent's command line; rename it");
}

std::vector<std::string> split_command_line(const std::string& line) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (char ch : line) {
    if (quote) {
      if (ch == quote) quote = 0;
      else cur += ch;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
      in_word = true;
    } else if (ch == ' ' || ch == '\t' || ch == '\n') {
      if (in_word) words.push_back(cur), cur.clear(), in_word = false;
    } else {
      cur += ch;
      in_word = true;
    }
  }
  if (quote) throw std::runtime_error("unbalanced quote in command");
  if (in_word) words.push_back(cur);
  return words;
}

WorkspaceTools::WorkspaceTools(fs::path workspace, Permissions permissions)
    : workspace_(fs::weakly_canonical(workspace)), permissions_(std::move(permissions)) {}

Json WorkspaceTools::definitions() const {
  Json tools = Json::array();
  tools.push_back(function("read_file", "Read a text file of the workspace (path relative to it).",
                           {{"path", {{"type", "string"}}}, {"offset", {{"type", "integer"}, {"description", "byte offset"}}}},
                           {"path"}));
  tools.push_back(function("list_dir", "List a directory of the workspace ('.' for its root).", {{"path", {{"type", "string"}}}},
                           {"path"}));
  if (!permissions_.read_only)
    tools.push_back(function("write_file", "Create or replace a file of the workspace with the given content.",
                             {{"path", {{"type", "string"}}}, {"content", {{"type", "string"}}}}, {"path", "content"}));
  if (!permissions_.allowed_commands.empty()) {
    std::string list;
    for (const std::string& c : permissions_.allowed_commands) list += "\n- " + c;
    tools.push_back(function("run",
                             "Run a command in the workspace. It must begin with one of these command lines, word for "
                             "word (extra arguments may follow):" + list,
                             {{"command", {{"type", "string"}}}}, {"command"}));
  }
  return tools;
}

std::string WorkspaceTools::call(const std::string& name, const Json& arguments) {
  try {
    if (name == "read_file") return read_file(arguments);
    if (name == "list_dir") return list_dir(arguments);
    if (name == "write_file") {
      if (permissions_.read_only) return "error: write_file is not allowed: this role is read-only";
      return write_file(arguments);
    }
    if (name == "run") return run(arguments);
    return "error: no tool named '" + name + "' (tools: read_file, list_dir, write_file, run)";
  } catch (const std::exception& e) {
    return std::string("error: ") + e.what();
  }
}

fs::path WorkspaceTools::inside(const std::string& path) const {
  if (path.empty()) throw std::runtime_error("empty path");
  fs::path p(path);
  if (p.is_relative()) p = workspace_ / p;
  // weakly_canonical resolves every symlink of the existing prefix, so a link inside the
  // workspace that points out of it is caught like "..".
  const fs::path real = fs::weakly_canonical(p.lexically_normal());
  auto [w, r] = std::mismatch(workspace_.begin(), workspace_.end(), real.begin(), real.end());
  if (w != workspace_.end()) throw std::runtime_error("path '" + path + "' is outside the workspace");
  return real;
}

std::string WorkspaceTools::read_file(const Json& a) const {
  const fs::path p = inside(arg_string(a, "path"));
  if (!fs::is_regular_file(p)) throw std::runtime_error("'" + arg_string(a, "path") + "' is not a file");
  const std::string text = kda::read_file(p);
  size_t offset = 0;
  if (a.contains("offset") && a["offset"].is_number_integer()) offset = std::min<size_t>(a["offset"].get<size_t>(), text.size());
  std::string part = text.substr(offset, kMaxReadBytes);
  if (offset + part.size() < text.size())
    part += "\n[... " + std::to_string(text.size() - offset - part.size()) + " more bytes; read again with offset " +
            std::to_string(offset + part.size()) + "]";
  return part;
}

std::string WorkspaceTools::list_dir(const Json& a) const {
  const fs::path p = inside(arg_string(a, "path"));
  if (!fs::is_directory(p)) throw std::runtime_error("'" + arg_string(a, "path") + "' is not a directory");
  std::vector<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(p))
    names.push_back(e.path().filename().string() + (e.is_directory() ? "/" : ""));
  std::sort(names.begin(), names.end());
  std::string out;
  for (const std::string& n : names) out += n + "\n";
  return out.empty() ? "(empty)" : out;
}

std::string WorkspaceTools::write_file(const Json& a) const {
  const fs::path p = inside(arg_string(a, "path"));
  const std::string content = arg_string(a, "content");
  fs::create_directories(p.parent_path());
  write_file_atomic(p, content);
  return "wrote " + std::to_string(content.size()) + " bytes to " + fs::relative(p, workspace_).string();
}

std::string WorkspaceTools::run(const Json& a) const {
  const std::vector<std::string> words = split_command_line(arg_string(a, "command"));
  bool allowed = false;
  for (const std::string& line : permissions_.allowed_commands) {
    const std::vector<std::string> prefix = split_command_line(line);
    if (!prefix.empty() && words.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), words.begin())) {
      allowed = true;
      break;
    }
  }
  if (!allowed) throw std::runtime_error("command not allowed; it must begin with one of the command lines in the tool's description");
  ProcessSpec spec;
  spec.argv = words;
  spec.cwd = workspace_;
  spec.timeout = std::chrono::minutes(15);
  const ProcessResult r = run_process(spec);
  return r.describe() + "\n--- stdout ---\n" + tail(r.out, kMaxCommandOutput) + "\n--- stderr ---\n" + tail(r.err, kMaxCommandOutput);
}

}  // namespace kda::agents
