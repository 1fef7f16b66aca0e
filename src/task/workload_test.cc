#include "task/workload.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/fs.h"
#include "task/test_data.h"

namespace kda {

TEST(Workload, FlashinferBenchLineAndBareObject) {
  Workload w = parse_workload(parse_json(testdata::kWorkloadLine, "l"), "l");
  EXPECT_EQ(w.uuid, "w-1");
  EXPECT_EQ(w.definition, "rmsnorm_h128");
  EXPECT_EQ(w.axes.at("M"), 7);
  EXPECT_EQ(w.inputs.at("eps").kind, InputRecipe::Kind::kScalar);
  EXPECT_EQ(w.split, Split::kPublic);
  Workload bare = parse_workload(parse_json(R"({"uuid": "b", "axes": {"M": 1}, "kda": {"split": "hidden"}})", "b"), "b");
  EXPECT_EQ(bare.split, Split::kHidden);
  Workload again = parse_workload(to_json(w), "again");
  EXPECT_EQ(again.uuid, w.uuid);
  EXPECT_EQ(again.inputs.size(), 3u);
}

TEST(Workload, FileErrorsNameTheLine) {
  TempDir d("kda-wl-test");
  write_file_atomic(d.path() / "w.jsonl", std::string(testdata::kWorkloadLine) + "\n\n{\"uuid\": 3}\n");
  try {
    load_workloads(d.path() / "w.jsonl");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("w.jsonl:3"), std::string::npos) << e.what();
  }
  write_file_atomic(d.path() / "w.jsonl", std::string(testdata::kWorkloadLine) + "\n" + testdata::kWorkloadLine + "\n");
  EXPECT_THROW(load_workloads(d.path() / "w.jsonl"), Error);  // duplicate uuid
}

TEST(Workload, RejectsEscapingSafetensorsPath) {
  EXPECT_THROW(parse_workload(parse_json(R"({"uuid":"u","axes":{},"inputs":{"x":{"type":"safetensors","path":"../x"}}})", "w"), "w"),
               Error);
}

}  // namespace kda

namespace kda {

TEST(Workload, RecipeErrorsNameTheField) {
  auto err = [](const std::string& text) {
    try {
      parse_workload(parse_json(text, "w.jsonl:4"), "w.jsonl:4");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(err(R"({"uuid": "u", "axes": {"M": 1}, "inputs": {"x": {"type": "scalar"}}})").find("w.jsonl:4: field 'inputs.x.value'"),
            std::string::npos)
      << err(R"({"uuid": "u", "axes": {"M": 1}, "inputs": {"x": {"type": "scalar"}}})");
  EXPECT_NE(err(R"({"uuid": "u", "axes": {"M": 1}, "inputs": {"x": {"type": "zeros"}}})").find("inputs.x.type"), std::string::npos);
  EXPECT_NE(err(R"({"uuid": "u", "axes": {"M": 1.5}})").find("axes.M"), std::string::npos);
  EXPECT_NE(err(R"({"uuid": "", "axes": {}})").find("uuid"), std::string::npos);
  EXPECT_NE(err(R"({"uuid": "u", "axes": {}, "kda": {"split": "secret"}})").find("kda.split"), std::string::npos);
  EXPECT_NE(err(R"({"uuid": "u", "axes": {}, "kda": {"schema_version": 5}})").find("unsupported schema version 5"), std::string::npos);
  EXPECT_NE(err(R"({"definition": "d", "workload": 3})").find("workload"), std::string::npos);
  EXPECT_NE(err(R"({"uuid": "u", "axes": {}, "inputs": {"x": {"type": "safetensors", "path": "/etc/passwd"}}})").find("relative"),
            std::string::npos);
}

TEST(Workload, RecipesRoundTrip) {
  Workload w = parse_workload(parse_json(R"({"definition": "d", "solution": null, "workload": {"uuid": "r", "axes": {"N": 1024},
      "inputs": {"a": {"type": "random"}, "s": {"type": "scalar", "value": 0.5},
                 "w": {"type": "safetensors", "path": "blob/w.safetensors", "tensor_key": "wk"}},
      "kda": {"split": "hidden"}}, "evaluation": null})", "r"), "r");
  Json j = to_json(w);
  EXPECT_TRUE(j["solution"].is_null());
  EXPECT_TRUE(j["evaluation"].is_null());
  Workload b = parse_workload(j, "b");
  EXPECT_EQ(b.definition, "d");
  EXPECT_EQ(b.split, Split::kHidden);
  EXPECT_DOUBLE_EQ(b.inputs.at("s").scalar, 0.5);
  EXPECT_EQ(b.inputs.at("w").path, "blob/w.safetensors");
  EXPECT_EQ(b.inputs.at("w").tensor_key, "wk");
  EXPECT_EQ(b.inputs.at("a").kind, InputRecipe::Kind::kRandom);
}

}  // namespace kda

namespace kda {

TEST(Workload, NumberOverflowIsAnInputErrorWithTheLine) {
  TempDir d("kda-wl-test");
  write_file_atomic(d.path() / "w.jsonl", "\n{\"uuid\": \"u\", \"axes\": {\"M\": 1e999}}\n");
  try {
    load_workloads(d.path() / "w.jsonl");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("w.jsonl:2"), std::string::npos) << e.what();
  }
}

}  // namespace kda
