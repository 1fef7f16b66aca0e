// The allow-list of a solution's `kda.build_flags` and the rules for `kda.params` values, which
// become -D flags (issue 14 §1; the table in docs/sandbox.md is the contract). A candidate's flags
// reach the compiler's command line, and the compiler is a program that can run other programs
// (-wrapper, -fplugin, -B), read any file (@file, -include, -I) and write anywhere (-o): so only
// flags that change code generation are accepted, and each one in a spelling checked here. nvcc
// runs its stages through a shell, so values are restricted to characters no shell interprets.
#pragma once

#include <string>
#include <vector>

#include "core/json_io.h"

namespace kda {

/// Why `flags` are refused for a solution in `language` (cpp | cuda | hip | ...), naming the
/// first flag that is not allowed; empty when every flag is allowed.
std::string build_flags_problem(const std::string& language, const std::vector<std::string>& flags);

/// Why a `kda.params` entry cannot become `-DNAME=VALUE`; empty when it can.
std::string param_problem(const std::string& name, const Json& value);

/// The text of a param's value on the -D flag: strings as they are, numbers and booleans as JSON.
std::string param_define_value(const Json& value);

/// The sm_NN / compute_NN architectures that cuda flags (-arch, -gencode) name, in order.
std::vector<std::string> cuda_arches_in_flags(const std::vector<std::string>& flags);

}  // namespace kda
