// The tools kda offers a model that it drives itself (the OpenAI-compatible agent): read_file,
// list_dir, write_file (not for read-only roles) and run (only the commands the request's
// permissions allow: building and evaluating on public workloads, profiling, wiki search).
//
// Every path stays inside the workspace: ".." and symlinks that lead out are refused, as are
// absolute paths elsewhere. A command must begin with one of the allowed command lines, word
// for word; it runs without a shell (argv split on whitespace, quotes honoured) in the
// workspace. Errors come back to the model as text, never as exceptions: the model can recover.
#pragma once

#include <filesystem>
#include <string>

#include "agents/agent.h"
#include "core/json_io.h"

namespace kda::agents {

class WorkspaceTools {
 public:
  WorkspaceTools(std::filesystem::path workspace, Permissions permissions);
  /// The "tools" array of a chat-completions request.
  Json definitions() const;
  /// Runs one call; the text is what the model receives (it starts with "error: " on failure).
  std::string call(const std::string& name, const Json& arguments);

 private:
  std::filesystem::path inside(const std::string& path) const;  ///< throws std::runtime_error
  std::string read_file(const Json& a) const;
  std::string list_dir(const Json& a) const;
  std::string write_file(const Json& a) const;
  std::string run(const Json& a) const;

  std::filesystem::path workspace_;
  Permissions permissions_;
};

/// Splits a command line into words: whitespace separates, '...' and "..." group, no expansion.
std::vector<std::string> split_command_line(const std::string& line);
/// `word` as split_command_line and a POSIX shell read it back: bare when made only of letters,
/// digits and _./:=@%+,- ; else in single quotes, or double quotes when it holds a single quote
/// (and no ", \, $ or backquote). Throws kda::Error(kInput) for a word that fits neither.
std::string quote_command_word(const std::string& word);

}  // namespace kda::agents
