// kda's error discipline: library code throws kda::Error with a kind and a message that says
// what is wrong and what to do; the CLI catches it once, prints `kda: error: ...` and exits
// with the kind's documented code (docs/cli.md). Failing candidates are data, never errors.
#pragma once

#include <stdexcept>
#include <string>

namespace kda {

/// What went wrong, in the terms a user acts on. Each kind maps to one exit code.
enum class ErrorKind {
  kVerdict,   ///< the command ran to the end and its result failed its own check (exit 1)
  kUsage,     ///< bad command line (exit 2)
  kInput,     ///< malformed or inconsistent input file (exit 3)
  kNotFound,  ///< a named file, task, solution or run does not exist (exit 4)
  kIntegrity, ///< a pinned hash, the audit chain or a frozen file does not match (exit 5)
  kEnvironment, ///< a tool, device or kernel feature the command needs is missing (exit 6)
  kInternal,  ///< a bug in kda (exit 70)
};

/// Process exit code for an error kind (0 is success, 1 is reserved for "ran, verdicts bad"
/// where a command documents it).
int exit_code_for(ErrorKind kind);
const char* to_string(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

[[noreturn]] inline void fail(ErrorKind kind, const std::string& message) {
  throw Error(kind, message);
}

}  // namespace kda
