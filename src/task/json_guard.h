// Internal to src/task: the parsers use typed accessors, but a value of an unexpected type deep in
// a document can still reach nlohmann's own checks; this turns any such exception into the
// kda::Error(kInput) that callers are promised, naming the file.
#pragma once

#include <filesystem>
#include <string>

#include "core/error.h"
#include "core/json_io.h"

namespace kda {

template <typename F>
auto guard_json(const std::string& origin, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::kInput, origin + ": unexpected content: " + e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    fail(ErrorKind::kInput, origin + ": " + e.what());
  }
}

}  // namespace kda
