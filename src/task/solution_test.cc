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

TEST(Solution, ParamSpaceListsTriedValuesAndRoundTrips) {
  const char* text = R"({"name":"a","definition":"x","spec":{"language":"cpp","entry_point":"k.cc::kda_entry"},
    "sources":[{"path":"k.cc","content":"int x;"}],
    "kda":{"params":{"BLOCK":128,"UNROLL":2},"param_space":{"BLOCK":[64,128,256]}}})";
  Solution s = parse_solution(parse_json(text, "s.json"), "s.json");
  ASSERT_EQ(s.param_space.at("BLOCK").size(), 3u);
  EXPECT_EQ(s.param_space.at("BLOCK")[2], 256);
  EXPECT_FALSE(s.param_space.count("UNROLL"));
  Solution again = parse_solution(to_json(s), "again");
  EXPECT_EQ(again.param_space, s.param_space);
  // The space is not part of what is built, so it does not change the hash.
  Solution narrowed = s;
  narrowed.param_space.clear();
  EXPECT_EQ(narrowed.content_hash(), s.content_hash());
  auto bad = [](const std::string& space) {
    std::string t = R"({"name":"a","definition":"x","spec":{"language":"cpp","entry_point":"k.cc::kda_entry"},
      "sources":[{"path":"k.cc","content":"int x;"}],"kda":{"params":{"BLOCK":1},"param_space":)" + space + "}}";
    EXPECT_THROW(parse_solution(parse_json(t, "s.json"), "s.json"), Error) << space;
  };
  bad(R"({"GRID":[1,2]})");    // no such param
  bad(R"({"BLOCK":[]})");      // empty
  bad(R"({"BLOCK":4})");       // not an array
  bad(R"({"BLOCK":[[1]]})");   // nested
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

namespace kda {

TEST(Solution, DirectoryWithoutSourcesListTakesEveryFile) {
  TempDir d("kda-sol-test");
  write_file_atomic(d.path() / "solution.json",
                    R"({"name": "a", "spec": {"language": "cuda", "entry_point": "main.cu::run"}, "kda": {"build_flags": ["-O3"]}})");
  write_file_atomic(d.path() / "main.cu", "// main");
  write_file_atomic(d.path() / "helper.cuh", "// helper");
  std::filesystem::create_directories(d.path() / "sub");
  Solution s = load_solution(d.path());
  ASSERT_EQ(s.sources.size(), 2u);
  EXPECT_EQ(s.sources[0].path, "helper.cuh");  // sorted
  EXPECT_EQ(s.sources[1].path, "main.cu");
  EXPECT_EQ(s.extra_flags, (std::vector<std::string>{"-O3"}));
  EXPECT_EQ(s.entry_function(), "run");
}

TEST(Solution, HashCoversContentNotName) {
  Solution a = parse_solution(parse_json(testdata::kSolution, "s"), "s");
  const std::string h = a.content_hash();
  Solution b = a;
  b.name = "other";
  b.author = "someone else";
  EXPECT_EQ(b.content_hash(), h);
  b = a;
  b.params["BLOCK"] = 256;
  EXPECT_NE(b.content_hash(), h);
  b = a;
  b.extra_flags.push_back("-O3");
  EXPECT_NE(b.content_hash(), h);
  b = a;
  b.entry_point = "main.cu::run2";
  EXPECT_NE(b.content_hash(), h);
  b = a;
  b.language = "hip";
  EXPECT_NE(b.content_hash(), h);
  b = a;
  b.sources.push_back({"a.cuh", "x"});
  Solution c = b;
  std::swap(c.sources[0], c.sources[1]);
  EXPECT_NE(b.content_hash(), h);
  EXPECT_EQ(c.content_hash(), b.content_hash());  // source order does not matter
}

TEST(Solution, MoreBadSolutions) {
  auto err = [](const std::string& text) {
    try {
      parse_solution(parse_json(text, "s.json"), "s.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string spec = R"("spec": {"language": "cpp", "entry_point": "k.cc::f"})";
  EXPECT_NE(err(R"({"name": "a", )" + spec + R"(, "sources": [{"path": "/abs/k.cc", "content": ""}]})").find("relative"), std::string::npos);
  EXPECT_NE(err(R"({"name": "a", )" + spec + R"(, "sources": []})").find("at least one source"), std::string::npos);
  EXPECT_NE(err(R"({"name": "a", )" + spec + R"(, "sources": [{"path": "k.cc", "content": ""}], "kda": {"params": {"1x": 2}}})").find("C identifiers"),
            std::string::npos);
  EXPECT_NE(err(R"({"name": "a", )" + spec + R"(, "sources": [{"path": "k.cc", "content": ""}], "kda": {"params": {"B": [1]}}})").find("kda.params.B"),
            std::string::npos);
  EXPECT_NE(err(R"({"name": "a", )" + spec + R"(, "sources": [{"path": "k.cc", "content": ""}], "kda": {"build_flags": [3]}})").find("build_flags"),
            std::string::npos);
  EXPECT_NE(err(R"({"name": "a", )" + spec + R"(, "sources": [{"path": "k.cc", "content": ""}], "kda": {"schema_version": 2}})").find("schema version"),
            std::string::npos);
  EXPECT_NE(err(R"({"name": "a", "sources": []})").find("spec"), std::string::npos);
  TempDir d("kda-sol-test");
  write_file_atomic(d.path() / "solution.json", R"({"name": "a", )" + spec + R"(, "sources": [{"path": "k.cc"}]})");
  try {
    load_solution(d.path());
    FAIL() << "missing source accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
  std::filesystem::remove(d.path() / "solution.json");
  EXPECT_THROW(load_solution(d.path()), Error);
}

}  // namespace kda

namespace kda {

TEST(Solution, SymlinksOutOfTheDirectoryAreRefused) {
  TempDir outside("kda-sol-secret");
  write_file_atomic(outside.path() / "seed.txt", "secret");
  TempDir d("kda-sol-test");
  write_file_atomic(d.path() / "solution.json", R"({"name": "a", "spec": {"language": "cpp", "entry_point": "k.cc::f"}, "sources": [{"path": "k.cc"}]})");
  std::filesystem::create_symlink(outside.path() / "seed.txt", d.path() / "k.cc");
  try {
    load_solution(d.path());
    FAIL() << "symlink followed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("outside the solution directory"), std::string::npos) << e.what();
  }
  // The unlisted form (every file in the directory) is checked too.
  write_file_atomic(d.path() / "solution.json", R"({"name": "a", "spec": {"language": "cpp", "entry_point": "k.cc::f"}})");
  EXPECT_THROW(load_solution(d.path()), Error);
  // A symlink that stays inside is fine.
  std::filesystem::remove(d.path() / "k.cc");
  write_file_atomic(d.path() / "real.cc", "int k;");
  std::filesystem::create_symlink("real.cc", d.path() / "k.cc");
  EXPECT_EQ(load_solution(d.path()).sources.size(), 2u);
}

}  // namespace kda
