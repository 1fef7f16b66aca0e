#include "core/error.h"

namespace kda {

int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kVerdict: return 1;
    case ErrorKind::kUsage: return 2;
    case ErrorKind::kInput: return 3;
    case ErrorKind::kNotFound: return 4;
    case ErrorKind::kIntegrity: return 5;
    case ErrorKind::kEnvironment: return 6;
    case ErrorKind::kInternal: return 70;
  }
  return 70;
}

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kVerdict: return "verdict";
    case ErrorKind::kUsage: return "usage";
    case ErrorKind::kInput: return "input";
    case ErrorKind::kNotFound: return "not-found";
    case ErrorKind::kIntegrity: return "integrity";
    case ErrorKind::kEnvironment: return "environment";
    case ErrorKind::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace kda
