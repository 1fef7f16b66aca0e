#include "tune/variants.h"

#include <gtest/gtest.h>

#include <set>

#include "core/error.h"

namespace kda {
namespace {

Solution with_space(std::map<std::string, std::vector<Json>> space) {
  Solution s;
  s.name = "k";
  s.language = "cpp";
  s.entry_point = "k.cc::kda_entry";
  s.sources = {{"k.cc", "int x;"}};
  for (auto& [name, values] : space) s.params[name] = values.front();
  s.param_space = std::move(space);
  return s;
}

TEST(Variants, CartesianProductWithDistinctHashesAndNames) {
  auto vs = expand_variants(with_space({{"A", {1, 2, 3}}, {"B", {"x", "y"}}}));
  ASSERT_EQ(vs.size(), 6u);
  std::set<std::string> hashes, names;
  for (const Variant& v : vs) {
    hashes.insert(v.hash);
    names.insert(v.solution.name);
    EXPECT_EQ(v.hash, v.solution.content_hash());
    EXPECT_EQ(v.origin, "k");
    EXPECT_EQ(v.params["A"], v.solution.params.at("A"));
  }
  EXPECT_EQ(hashes.size(), 6u);
  EXPECT_TRUE(names.count("k[A=2,B=y]")) << *names.begin();
}

TEST(Variants, NoParamSpaceIsOneVariantWithTheDefaults) {
  Solution s = with_space({});
  s.params["N"] = 4;
  auto vs = expand_variants(s);
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].label, "defaults");
  EXPECT_EQ(vs[0].hash, s.content_hash());
}

TEST(Variants, NonScalarValuesAndHugeSweepsAreRejected) {
  EXPECT_THROW(expand_variants(with_space({{"A", {Json::array({1, 2})}}})), Error);
  std::vector<Json> many;
  for (int i = 0; i < 20; ++i) many.push_back(i);
  EXPECT_THROW(expand_variants(with_space({{"A", many}, {"B", many}}), 256), Error);
}

}  // namespace
}  // namespace kda
