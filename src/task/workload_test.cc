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
