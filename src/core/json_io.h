// JSON reading with errors a person can act on: every parse or schema error names the file,
// the line and column (parse errors) or the JSON path of the field (schema errors), and what
// was expected. Built on nlohmann-json.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kda {

// ordered_json: key order in a Definition is the ABI order of its tensors, so it must survive.
using Json = nlohmann::ordered_json;

/// Parses `text`; on error throws kda::Error(kInput) "ORIGIN:LINE:COL: ...".
Json parse_json(std::string_view text, const std::string& origin);
/// Reads and parses a file (kNotFound if missing).
Json read_json_file(const std::filesystem::path& path);

/// Locates a schema error inside a document: "definition.json: field inputs.x.dtype: ...".
/// Cheap to copy; `at("inputs").at("x")` extends the path.
class JsonCtx {
 public:
  JsonCtx(std::string origin, std::string path = "") : origin_(std::move(origin)), path_(std::move(path)) {}
  JsonCtx at(std::string_view key) const;
  JsonCtx at(size_t index) const;
  [[noreturn]] void fail(const std::string& expected) const;
  const std::string& origin() const { return origin_; }
  const std::string& path() const { return path_; }

 private:
  std::string origin_;
  std::string path_;
};

/// Typed field access with context. `required_*` throw when the field is missing or of the
/// wrong type; `optional_*` return nullopt when missing and throw when of the wrong type.
const Json& required_field(const Json& obj, std::string_view key, const JsonCtx& ctx);
std::string required_string(const Json& obj, std::string_view key, const JsonCtx& ctx);
std::optional<std::string> optional_string(const Json& obj, std::string_view key, const JsonCtx& ctx);
int64_t required_int(const Json& obj, std::string_view key, const JsonCtx& ctx);
std::optional<int64_t> optional_int(const Json& obj, std::string_view key, const JsonCtx& ctx);
std::optional<double> optional_number(const Json& obj, std::string_view key, const JsonCtx& ctx);
void expect_object(const Json& value, const JsonCtx& ctx);
void expect_array(const Json& value, const JsonCtx& ctx);

}  // namespace kda
