#include "task/definition.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "task/test_data.h"

namespace kda {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_definition(parse_json(text, "def.json"), "def.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Definition, FlashinferBenchDefinitionLoadsUnchanged) {
  Definition d = parse_definition(parse_json(testdata::kDefinition, "d"), "d");
  EXPECT_EQ(d.name, "rmsnorm_h128");
  ASSERT_EQ(d.inputs.size(), 3u);
  EXPECT_EQ(d.inputs[0].name, "x");  // JSON order is the ABI order
  EXPECT_EQ(d.inputs[2].name, "eps");
  EXPECT_TRUE(d.inputs[2].shape.empty());
  EXPECT_EQ(d.inputs[0].dtype, DType::kBFloat16);
  EXPECT_EQ(d.schema_version, 1);
  EXPECT_DOUBLE_EQ(d.tolerance.atol, 1e-2);
  auto axes = resolve_axes(d, {{"M", 5}}, "w");
  EXPECT_EQ(resolve_shape(d.inputs[0], axes), (std::vector<int64_t>{5, 128}));
  // Round trip keeps unknown fields (tags) and the kda block.
  Definition again = parse_definition(to_json(d), "again");
  EXPECT_EQ(again.inputs.size(), 3u);
  EXPECT_TRUE(to_json(d).contains("tags"));
}

TEST(Definition, ErrorsNameTheField) {
  std::string base = testdata::kDefinition;
  std::string bad = base;
  bad.replace(bad.find("\"bfloat16\""), 10, "\"bfloat17\"");
  EXPECT_NE(error_of(bad).find("inputs.x.dtype"), std::string::npos) << error_of(bad);
  bad = base;
  bad.replace(bad.find("[\"M\", \"H\"], \"dtype\": \"bfloat16\"}, \"w\""), 10, "[\"M\", \"Q\"]");
  EXPECT_NE(error_of(bad).find("axis 'Q' is not declared"), std::string::npos) << error_of(bad);
  EXPECT_NE(error_of(R"({"name": "x", "axes": {}, "inputs": {}, "outputs": {"y": {"shape": [], "dtype": "float32"}}, "kda": {"schema_version": 9}})")
                .find("unsupported schema version"),
            std::string::npos);
}

TEST(Definition, Formula) {
  std::map<std::string, int64_t> axes = {{"M", 4}, {"N", 8}};
  EXPECT_DOUBLE_EQ(eval_formula("2*M*N + (M - 1) / 2", axes, "f"), 65.5);
  EXPECT_THROW(eval_formula("2*Q", axes, "f"), Error);
  EXPECT_THROW(eval_formula("2*(M", axes, "f"), Error);
  EXPECT_THROW(eval_formula("M N", axes, "f"), Error);
}

TEST(Definition, ResolveAxesChecksValues) {
  Definition d = parse_definition(parse_json(testdata::kDefinition, "d"), "d");
  EXPECT_THROW(resolve_axes(d, {}, "w"), Error);                     // M missing
  EXPECT_THROW(resolve_axes(d, {{"M", 1}, {"Z", 3}}, "w"), Error);   // unknown axis
  EXPECT_THROW(resolve_axes(d, {{"M", 1}, {"H", 64}}, "w"), Error);  // const mismatch
}

}  // namespace kda
