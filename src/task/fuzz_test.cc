// The JSON and safetensors readers survive >= 10,000 mutated inputs each: every failure is a
// kda::Error with a message, never a crash or another exception type, and whatever is accepted
// satisfies the invariants callers rely on. Deterministic seeds, so a failure reproduces.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "core/error.h"
#include "task/definition.h"
#include "task/json_guard.h"
#include "task/safetensors.h"
#include "task/solution.h"
#include "task/test_data.h"
#include "task/trace.h"
#include "task/workload.h"

namespace kda {
namespace {

std::string mutate(const std::string& in, std::mt19937_64& rng) {
  static const char* kTokens[] = {"{}", "[]", "\"", ",", ":", "0", "-1", "1e308", "99999999999999999999", "null",
                                  "true", "\"\"", "\\u0000", "1.5", "{\"a\":1}", "\xff\xfe"};
  std::string s = in;
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    size_t pos = rng() % s.size();
    switch (rng() % 6) {
      case 0: s[pos] = static_cast<char>(rng()); break;                            // byte flip
      case 1: s[pos] = static_cast<char>(s[pos] ^ (1 << (rng() % 8))); break;       // bit flip
      case 2: s.erase(pos, 1 + rng() % 8); break;                                  // deletion
      case 3: s.insert(pos, kTokens[rng() % std::size(kTokens)]); break;           // token insertion
      case 4: s.resize(pos); break;                                                // truncation
      case 5: s.insert(pos, s.substr(rng() % s.size(), 1 + rng() % 16)); break;    // duplication
    }
  }
  return s;
}

// Text to JSON as the task module's loaders do it (guarded: see definition.cc).
Json json(const std::string& text) {
  return guard_json("fuzz", [&] { return parse_json(text, "fuzz"); });
}

// Runs `parse` on `iterations` mutants of each seed text; returns how many were rejected.
// KDA_FUZZ_ITERATIONS scales a run up for a deeper local search (the default keeps ctest fast).
template <typename Parse>
int fuzz(const std::vector<std::string>& seeds, int iterations, Parse parse) {
  if (const char* env = std::getenv("KDA_FUZZ_ITERATIONS")) iterations = std::max(iterations, std::atoi(env));
  std::mt19937_64 rng(20261124);
  int rejected = 0;
  for (int i = 0; i < iterations; ++i) {
    std::string text = mutate(seeds[i % seeds.size()], rng);
    try {
      parse(text);
    } catch (const Error& e) {
      EXPECT_FALSE(std::string(e.what()).empty());
      EXPECT_EQ(e.kind(), ErrorKind::kInput) << e.what();
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
  int r = fuzz({testdata::kDefinition, testdata::kDefinitionKda}, 10000, [](const std::string& t) {
    Definition d = parse_definition(json(t), "d");
    // Accepted definitions resolve: every shape names a declared axis or a literal.
    std::map<std::string, int64_t> vars;
    for (const Axis& a : d.axes)
      if (!a.is_const) vars[a.name] = 2;
    auto axes = resolve_axes(d, vars, "d");
    for (auto* list : {&d.inputs, &d.outputs})
      for (const TensorSpec& s : *list) EXPECT_EQ(resolve_shape(s, axes).size(), s.shape.size());
    if (!d.flops_expr.empty()) eval_formula(d.flops_expr, axes, "d");
  });
  EXPECT_GT(r, 1000);  // most mutations must be caught, not silently accepted
}

TEST(Fuzz, WorkloadParser) {
  const std::string rich =
      R"({"definition": "d", "solution": null, "workload": {"uuid": "u", "axes": {"N": 1024},
      "inputs": {"a": {"type": "random"}, "s": {"type": "scalar", "value": 0.5},
      "w": {"type": "safetensors", "path": "blob/w.safetensors", "tensor_key": "w"}}, "kda": {"split": "hidden"}}, "evaluation": null})";
  int r = fuzz({testdata::kWorkloadLine, rich}, 10000, [](const std::string& t) {
    Workload w = parse_workload(json(t), "w");
    EXPECT_FALSE(w.uuid.empty());
    for (auto& [name, recipe] : w.inputs)
      if (recipe.kind == InputRecipe::Kind::kSafetensors) {
        EXPECT_FALSE(recipe.path.empty());
        EXPECT_NE(recipe.path[0], '/');
      }
  });
  EXPECT_GT(r, 1000);
}

TEST(Fuzz, SolutionParser) {
  int r = fuzz({testdata::kSolution}, 10000, [](const std::string& t) {
    Solution s = parse_solution(json(t), "s");
    for (const SourceFile& f : s.sources) EXPECT_EQ(f.path.find(".."), std::string::npos);
    s.content_hash();
  });
  EXPECT_GT(r, 1000);
}

TEST(Fuzz, TraceParser) {
  int r = fuzz({testdata::kTrace}, 10000, [](const std::string& t) { to_json(parse_trace(json(t), "t")); });
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
  HostTensor c = a;
  c.name = "c";
  c.dtype = DType::kBFloat16;
  c.shape = {};
  c.allocate();
  std::string one = serialize_safetensors({a, b, c}, {{"k", "v"}});
  std::string two = serialize_safetensors({b});
  int r = fuzz({one, two}, 10000, [](const std::string& t) {
    for (const HostTensor& h : parse_safetensors(t, "f")) {
      EXPECT_EQ(h.data.size(), h.nbytes());
      for (int64_t d : h.shape) EXPECT_GE(d, 0);
    }
  });
  EXPECT_GT(r, 1000);
}

}  // namespace kda
