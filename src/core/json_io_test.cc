#include "core/json_io.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace kda {

static std::string error_of(auto&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(JsonIo, ParseErrorNamesLineAndColumn) {
  std::string msg = error_of([] { parse_json("{\n  \"a\": 1,\n  \"b\": }\n", "def.json"); });
  EXPECT_NE(msg.find("def.json:3:"), std::string::npos) << msg;
}

TEST(JsonIo, SchemaErrorNamesFieldPath) {
  Json j = parse_json(R"({"inputs": {"x": {"dtype": 3}}})", "d.json");
  JsonCtx ctx("d.json");
  std::string msg = error_of([&] {
    required_string(j["inputs"]["x"], "dtype", ctx.at("inputs").at("x"));
  });
  EXPECT_NE(msg.find("inputs.x.dtype"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected a string"), std::string::npos) << msg;
}

TEST(JsonIo, MissingRequiredField) {
  Json j = Json::object();
  std::string msg = error_of([&] { required_int(j, "n", JsonCtx("w.jsonl:4")); });
  EXPECT_NE(msg.find("w.jsonl:4: field 'n': required field is missing"), std::string::npos) << msg;
}

TEST(JsonIo, OptionalFieldsReturnNulloptWhenAbsent) {
  Json j = parse_json(R"({"a": "x", "b": null})", "t");
  EXPECT_EQ(optional_string(j, "a", JsonCtx("t")), "x");
  EXPECT_FALSE(optional_string(j, "b", JsonCtx("t")).has_value());
  EXPECT_FALSE(optional_int(j, "c", JsonCtx("t")).has_value());
}

}  // namespace kda
