#include "task/definition.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/fs.h"
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

namespace kda {

TEST(Definition, KdaExtensionsParseAndRoundTrip) {
  Definition d = parse_definition(parse_json(testdata::kDefinitionKda, "g"), "g");
  EXPECT_DOUBLE_EQ(d.tolerance.atol, 0.05);
  EXPECT_DOUBLE_EQ(d.tolerance.required_matched_ratio, 0.99);
  EXPECT_EQ(d.flops_expr, "2*M*N*K");
  ASSERT_NE(d.reference_for("cpp"), nullptr);
  EXPECT_EQ(d.reference_for("cpp")->sources[0].path, "ref.cc");
  EXPECT_EQ(d.reference_for("cuda"), nullptr);
  EXPECT_EQ(d.inputs[3].shape, (std::vector<std::string>{"M", "2"}));
  auto axes = resolve_axes(d, {{"M", 3}}, "w");
  EXPECT_EQ(resolve_shape(d.inputs[3], axes), (std::vector<int64_t>{3, 2}));
  EXPECT_TRUE(resolve_shape(d.inputs[2], axes).empty());
  EXPECT_DOUBLE_EQ(eval_formula(d.flops_expr, axes, "f"), 2.0 * 3 * 4096 * 512);
  Definition again = parse_definition(to_json(d), "again");
  EXPECT_EQ(again.flops_expr, d.flops_expr);
  EXPECT_EQ(again.bytes_expr, d.bytes_expr);
  EXPECT_DOUBLE_EQ(again.tolerance.rtol, 0.02);
  EXPECT_EQ(again.native_references.size(), 1u);
  EXPECT_EQ(again.inputs[2].shape.size(), 0u);
  EXPECT_EQ(to_json(again).dump(), to_json(d).dump());
}

TEST(Definition, KdaErrorsNameTheField) {
  auto with_kda = [](const std::string& kda) {
    return std::string(R"({"name": "x", "axes": {"N": {"type": "var"}}, "inputs": {"a": {"shape": ["N"], "dtype": "float32"}},)"
                       R"( "outputs": {"y": {"shape": ["N"], "dtype": "float32"}}, "kda": )") + kda + "}";
  };
  EXPECT_NE(error_of(with_kda(R"({"tolerance": {"atol": -1}})")).find("kda.tolerance"), std::string::npos);
  EXPECT_NE(error_of(with_kda(R"({"comparator": "fuzzy"})")).find("kda.comparator"), std::string::npos);
  EXPECT_NE(error_of(with_kda(R"({"flops": "2*Q"})")).find("unknown axis 'Q'"), std::string::npos);
  EXPECT_NE(error_of(with_kda(R"({"flops": "1.2.3*N"})")).find("bad number"), std::string::npos);
  EXPECT_NE(error_of(with_kda(R"({"inputs": {"zz": {"dist": "uniform"}}})")).find("kda.inputs.zz"), std::string::npos);
  EXPECT_NE(error_of(with_kda(R"({"inputs": {"a": {"dist": "cauchy"}}})")).find("kda.inputs.a.dist"), std::string::npos);
  EXPECT_NE(error_of(with_kda(R"({"inputs": {"a": {"dist": "uniform", "low": 2, "high": 1}}})")).find("low < high"), std::string::npos);
  EXPECT_NE(error_of(with_kda(R"({"reference": [{"language": "cpp", "entry_point": "r.cc"}]})")).find("kda.reference[0]"), std::string::npos)
      << error_of(with_kda(R"({"reference": [{"language": "cpp", "entry_point": "r.cc"}]})"));
  EXPECT_NE(error_of(with_kda(R"({"schema_version": 2})")).find("kda.schema_version"), std::string::npos);
  EXPECT_EQ(error_of(with_kda(R"({"schema_version": 1})")), "");
}

TEST(Definition, StructuralErrors) {
  EXPECT_NE(error_of(R"({"name": "x", "axes": {"N": {"type": "ragged"}}, "inputs": {}, "outputs": {"y": {"shape": null, "dtype": "float32"}}})")
                .find("axes.N.type"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"name": "x", "axes": {}, "inputs": {"y": {"shape": null, "dtype": "float32"}}, "outputs": {"y": {"shape": null, "dtype": "float32"}}})")
                .find("used twice"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"name": "x", "axes": {}, "inputs": {}, "outputs": {}})").find("at least one output"), std::string::npos);
  EXPECT_NE(error_of(R"({"name": "x", "axes": {}, "inputs": {}, "outputs": {"y": {"shape": [99999999999999999999], "dtype": "float32"}}})")
                .find("outputs.y.shape"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"name": "x", "axes": {}, "inputs": {}, "outputs": {"y": {"shape": ["123456789012345678901"], "dtype": "float32"}}})")
                .find("out of range"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"name": "x", "axes": {}, "inputs": {}, "outputs": {"y": {"dtype": "float32", "description": 5}}})")
                .find("outputs.y.description"),
            std::string::npos);
  EXPECT_NE(error_of(R"([1, 2])").find("def.json"), std::string::npos);
  EXPECT_NE(error_of(R"({"axes": {}})").find("name"), std::string::npos);
}

TEST(Definition, LoadNamesTheFileAndPosition) {
  TempDir dir("kda-def-test");
  write_file_atomic(dir.path() / "definition.json", "{\"name\": \"x\",\n  \"axes\": {,}}");
  try {
    load_definition(dir.path() / "definition.json");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("definition.json:2:"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_definition(dir.path() / "absent.json"), Error);
}

}  // namespace kda
