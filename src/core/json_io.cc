#include "core/json_io.h"

#include "core/error.h"
#include "core/fs.h"
#include "core/utf8.h"

namespace kda {

namespace {

// nlohmann reports a byte offset; convert it to line:column for the message.
std::pair<size_t, size_t> line_col(std::string_view text, size_t byte) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

std::string type_name(const Json& v) { return v.type_name(); }

}  // namespace

Json parse_json(std::string_view text, const std::string& origin) {
  // Bytes that are not UTF-8 (quoted from a candidate or an agent, or in a record stored before
  // kda replaced them on write) read as U+FFFD instead of making the record unreadable.
  std::string repaired;
  if (!is_valid_utf8(text)) {
    repaired = valid_utf8(text);
    text = repaired;
  }
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    auto [line, col] = line_col(text, e.byte == 0 ? 0 : e.byte - 1);
    std::string what = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: " prefix.
    if (auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
    fail(ErrorKind::kInput, origin + ":" + std::to_string(line) + ":" + std::to_string(col) +
                                ": invalid JSON: " + what);
  } catch (const Json::exception& e) {  // e.g. a number out of range ("1e999")
    fail(ErrorKind::kInput, origin + ": invalid JSON: " + e.what());
  }
}

Json read_json_file(const std::filesystem::path& path) {
  return parse_json(read_file(path), path.string());
}

JsonCtx JsonCtx::at(std::string_view key) const {
  return JsonCtx(origin_, path_.empty() ? std::string(key) : path_ + "." + std::string(key));
}

JsonCtx JsonCtx::at(size_t index) const {
  return JsonCtx(origin_, path_ + "[" + std::to_string(index) + "]");
}

void JsonCtx::fail(const std::string& expected) const {
  std::string where = path_.empty() ? "" : " field '" + path_ + "'";
  kda::fail(ErrorKind::kInput, origin_ + ":" + where + ": " + expected);
}

void expect_object(const Json& value, const JsonCtx& ctx) {
  if (!value.is_object()) ctx.fail("expected an object, found " + type_name(value));
}

void expect_array(const Json& value, const JsonCtx& ctx) {
  if (!value.is_array()) ctx.fail("expected an array, found " + type_name(value));
}

const Json& required_field(const Json& obj, std::string_view key, const JsonCtx& ctx) {
  expect_object(obj, ctx);
  auto it = obj.find(key);
  if (it == obj.end()) ctx.at(key).fail("required field is missing");
  return *it;
}

std::string required_string(const Json& obj, std::string_view key, const JsonCtx& ctx) {
  const Json& v = required_field(obj, key, ctx);
  if (!v.is_string()) ctx.at(key).fail("expected a string, found " + type_name(v));
  return v.get<std::string>();
}

std::optional<std::string> optional_string(const Json& obj, std::string_view key, const JsonCtx& ctx) {
  expect_object(obj, ctx);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) ctx.at(key).fail("expected a string, found " + type_name(*it));
  return it->get<std::string>();
}

int64_t required_int(const Json& obj, std::string_view key, const JsonCtx& ctx) {
  const Json& v = required_field(obj, key, ctx);
  if (!v.is_number_integer()) ctx.at(key).fail("expected an integer, found " + type_name(v));
  return v.get<int64_t>();
}

std::optional<int64_t> optional_int(const Json& obj, std::string_view key, const JsonCtx& ctx) {
  expect_object(obj, ctx);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer()) ctx.at(key).fail("expected an integer, found " + type_name(*it));
  return it->get<int64_t>();
}

std::optional<double> optional_number(const Json& obj, std::string_view key, const JsonCtx& ctx) {
  expect_object(obj, ctx);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) ctx.at(key).fail("expected a number, found " + type_name(*it));
  return it->get<double>();
}

}  // namespace kda
