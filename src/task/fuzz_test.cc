// The JSON and safetensors readers survive >= 10,000 mutated inputs each: every failure is a
// kda::Error with a message, never a crash or another exception type.
#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "task/definition.h"
#include "task/safetensors.h"
#include "task/solution.h"
#include "task/test_data.h"
#include "task/workload.h"

namespace kda {
namespace {

std::string mutate(const std::string& in, std::mt19937_64& rng) {
  std::string s = in;
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    size_t pos = rng() % s.size();
    switch (rng() % 5) {
      case 0: s[pos] = static_cast<char>(rng()); break;                   // byte flip
      case 1: s.erase(pos, 1 + rng() % 8); break;                          // deletion
      case 2: s.insert(pos, 1, "{}[]\",:0-e\\"[rng() % 11]); break;        // JSON punctuation
      case 3: s.resize(pos); break;                                        // truncation
      case 4: s.insert(pos, s.substr(rng() % s.size(), 1 + rng() % 16)); break;  // duplication
    }
  }
  return s;
}

template <typename Parse>
int fuzz(const std::string& seed_text, int iterations, Parse parse) {
  std::mt19937_64 rng(20261124);
  int rejected = 0;
  for (int i = 0; i < iterations; ++i) {
    std::string text = mutate(seed_text, rng);
    try {
      parse(text);
    } catch (const Error& e) {
      EXPECT_FALSE(std::string(e.what()).empty());
      ++rejected;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "non-kda exception: " << e.what() << "\ninput: " << text;
      return rejected;
    }
  }
  return rejected;
}

}  // namespace

TEST(Fuzz, DefinitionParser) {
  int r = fuzz(testdata::kDefinition, 10000, [](const std::string& t) { parse_definition(parse_json(t, "d"), "d"); });
  EXPECT_GT(r, 1000);  // most mutations must be caught, not silently accepted
}

TEST(Fuzz, WorkloadParser) {
  int r = fuzz(testdata::kWorkloadLine, 10000, [](const std::string& t) { parse_workload(parse_json(t, "w"), "w"); });
  EXPECT_GT(r, 1000);
}

TEST(Fuzz, SolutionParser) {
  int r = fuzz(testdata::kSolution, 10000, [](const std::string& t) { parse_solution(parse_json(t, "s"), "s"); });
  EXPECT_GT(r, 1000);
}

TEST(Fuzz, SafetensorsParser) {
  HostTensor a;
  a.name = "a";
  a.dtype = DType::kFloat32;
  a.shape = {4, 4};
  a.allocate();
  HostTensor b = a;
  b.name = "b";
  b.dtype = DType::kInt8;
  b.allocate();
  std::string file = serialize_safetensors({a, b}, {{"k", "v"}});
  int r = fuzz(file, 10000, [](const std::string& t) { parse_safetensors(t, "f"); });
  EXPECT_GT(r, 1000);
}

}  // namespace kda
