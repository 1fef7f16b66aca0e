#include "task/task_dir.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/fs.h"
#include "task/test_data.h"

namespace kda {
namespace fs = std::filesystem;

class TaskDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file_atomic(root() / "definition.json", testdata::kDefinition);
    write_workloads(std::string(testdata::kWorkloadLine) + "\n\n" +
                    R"({"uuid": "w-2", "axes": {"M": 3}, "inputs": {}, "kda": {"split": "hidden"}})" + "\n");
    write_file_atomic(root() / "reference/cpp/solution.json",
                      R"({"name": "ref", "definition": "rmsnorm_h128", "spec": {"language": "cpp", "entry_point": "ref.cc::kda_entry"}})");
    write_file_atomic(root() / "reference/cpp/ref.cc", "// ref");
    write_file_atomic(root() / "baseline/cpp/solution.json",
                      R"({"name": "base", "definition": "rmsnorm_h128", "spec": {"language": "cpp", "entry_point": "b.cc::kda_entry"}, "sources": [{"path": "b.cc"}]})");
    write_file_atomic(root() / "baseline/cpp/b.cc", "// base");
  }
  const fs::path& root() const { return dir_.path(); }
  void write_workloads(const std::string& text) { write_file_atomic(root() / "workloads.jsonl", text); }
  std::string error() {
    try {
      load_task_dir(root());
    } catch (const Error& e) {
      return e.what();
    }
    return "loaded";
  }
  TempDir dir_{"kda-taskdir-test"};
};

TEST_F(TaskDirTest, LoadsTheLayout) {
  TaskDir t = load_task_dir(root());
  EXPECT_EQ(t.definition.name, "rmsnorm_h128");
  ASSERT_EQ(t.workloads.size(), 2u);
  ASSERT_NE(t.definition.reference_for("cpp"), nullptr);
  EXPECT_EQ(t.definition.reference_for("cpp")->entry_point, "ref.cc::kda_entry");
  EXPECT_EQ(t.definition.reference_for("cpp")->sources.at(0).content, "// ref");
  ASSERT_EQ(t.baselines.count("cpp"), 1u);
  EXPECT_EQ(t.baselines.at("cpp").sources.at(0).content, "// base");
  EXPECT_EQ(t.store_dir(), root() / ".kda");
}

TEST_F(TaskDirTest, SelectsSplits) {
  TaskDir t = load_task_dir(root());
  ASSERT_EQ(t.select("public").size(), 1u);
  EXPECT_EQ(t.select("public")[0]->uuid, "w-1");
  ASSERT_EQ(t.select("hidden").size(), 1u);
  EXPECT_EQ(t.select("hidden")[0]->uuid, "w-2");
  EXPECT_EQ(t.select("all").size(), 2u);
  try {
    t.select("secret");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
  }
}

TEST_F(TaskDirTest, EmbeddedReferenceWins) {
  std::string def = testdata::kDefinition;
  def.insert(def.rfind('}'), R"(, "kda": {"reference": [{"language": "cpp", "entry_point": "e.cc::kda_entry", "sources": [{"path": "e.cc", "content": "// embedded"}]}]})");
  write_file_atomic(root() / "definition.json", def);
  TaskDir t = load_task_dir(root());
  ASSERT_EQ(t.definition.native_references.size(), 1u);
  EXPECT_EQ(t.definition.native_references[0].sources[0].content, "// embedded");
}

TEST_F(TaskDirTest, InvalidWorkloadsAreRejected) {
  write_workloads(R"({"definition": "other_op", "workload": {"uuid": "a", "axes": {"M": 1}, "inputs": {}}})");
  EXPECT_NE(error().find("names definition 'other_op'"), std::string::npos) << error();
  write_workloads(R"({"uuid": "a", "axes": {}, "inputs": {}})");
  EXPECT_NE(error().find("var axis 'M' has no value"), std::string::npos) << error();
  write_workloads(std::string(testdata::kWorkloadLine) + "\n" + R"({"uuid": "b", "axes": {"M": 1, "Z": 2}})");
  EXPECT_NE(error().find("workloads.jsonl:2: workload b: axis 'Z' is not declared"), std::string::npos) << error();
  write_workloads(R"({"uuid": "a", "axes": {"M": 1}, "inputs": {"nope": {"type": "random"}}})");
  EXPECT_NE(error().find("input 'nope'"), std::string::npos) << error();
  write_workloads("{\"uuid\": \"a\", \"axes\": {\"M\": 1}}\n{\"uuid\": \"a\", \"axes\": {\"M\": 2}}\n");
  EXPECT_NE(error().find("workloads.jsonl:2: duplicate workload uuid 'a'"), std::string::npos) << error();
}

TEST_F(TaskDirTest, BaselineForAnotherDefinitionIsRejected) {
  write_file_atomic(root() / "baseline/cpp/solution.json",
                    R"({"name": "base", "definition": "gemm", "spec": {"language": "cpp", "entry_point": "b.cc::kda_entry"}})");
  EXPECT_NE(error().find("is for definition 'gemm'"), std::string::npos) << error();
}

TEST_F(TaskDirTest, ReferenceForAnotherDefinitionOrLanguageIsRejected) {
  write_file_atomic(root() / "reference/cpp/solution.json",
                    R"({"name": "ref", "definition": "gemm", "spec": {"language": "cpp", "entry_point": "ref.cc::kda_entry"}})");
  EXPECT_NE(error().find("reference 'ref' is for definition 'gemm'"), std::string::npos) << error();
  write_file_atomic(root() / "reference/cpp/solution.json",
                    R"({"name": "ref", "spec": {"language": "python", "entry_point": "ref.cc::run"}})");
  EXPECT_NE(error().find("must be cpp, cuda or hip"), std::string::npos) << error();
}

TEST_F(TaskDirTest, MissingPiecesAreNotFound) {
  fs::remove(root() / "definition.json");
  try {
    load_task_dir(root());
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_NE(std::string(e.what()).find("definition.json"), std::string::npos);
  }
  EXPECT_THROW(load_task_dir(root() / "absent"), Error);
}

}  // namespace kda
