#include "task/solution.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/fs.h"
#include "task/test_data.h"

namespace kda {

TEST(Solution, EmbeddedSourcesAsFlashinferBenchWritesThem) {
  Solution s = parse_solution(parse_json(testdata::kSolution, "s"), "s");
  EXPECT_EQ(s.language, "cuda");
  EXPECT_EQ(s.entry_file(), "main.cu");
  EXPECT_EQ(s.entry_function(), "run");
  ASSERT_EQ(s.sources.size(), 1u);
  Solution again = parse_solution(to_json(s), "again");
  EXPECT_EQ(again.content_hash(), s.content_hash());
}

TEST(Solution, DirectoryFormReadsFilesBeside) {
  TempDir d("kda-sol-test");
  write_file_atomic(d.path() / "solution.json",
                    R"({"name":"a","definition":"x","spec":{"language":"cpp","entry_point":"k.cc::kda_entry"},"sources":[{"path":"k.cc"}],"kda":{"params":{"BLOCK":128}}})");
  write_file_atomic(d.path() / "k.cc", "int x;");
  Solution s = load_solution(d.path());
  EXPECT_EQ(s.sources[0].content, "int x;");
  EXPECT_EQ(s.params.at("BLOCK"), 128);
  // The embedded form of the same content hashes the same; a renamed solution too.
  Solution e = parse_solution(to_json(s), "e");
  e.name = "renamed";
  EXPECT_EQ(e.content_hash(), s.content_hash());
  write_file_atomic(d.path() / "k.cc", "int y;");
  EXPECT_NE(load_solution(d.path()).content_hash(), s.content_hash());
}

TEST(Solution, BadSolutionsAreRejected) {
  auto err = [](const std::string& text) {
    try {
      parse_solution(parse_json(text, "s.json"), "s.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(err(R"({"name":"a","spec":{"language":"cobol","entry_point":"a::b"},"sources":[{"path":"a","content":""}]})").find("spec.language"), std::string::npos);
  EXPECT_NE(err(R"({"name":"a","spec":{"language":"cpp","entry_point":"k.cc::f"},"sources":[{"path":"../k.cc","content":""}]})").find("relative"), std::string::npos);
  EXPECT_NE(err(R"({"name":"a","spec":{"language":"cpp","entry_point":"other.cc::f"},"sources":[{"path":"k.cc","content":""}]})").find("not among the sources"), std::string::npos);
  EXPECT_NE(err(R"({"name":"a","spec":{"language":"cpp","entry_point":"k.cc::f"},"sources":[{"path":"k.cc"}]})").find("content"), std::string::npos);
  EXPECT_THROW(load_solution("/nonexistent/solution.json"), Error);
}

}  // namespace kda
