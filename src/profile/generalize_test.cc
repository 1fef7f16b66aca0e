// Acceptance 2: nothing is keyed on kernel names or exact values. The fixture kernels are
// renamed (to names that belong to *other* fixture kernels, so name-keyed logic would pick the
// wrong problem) and every measured value is perturbed within noise; the categories hold.
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "core/json_io.h"
#include "profile/report.h"
#include "profile/test_util.h"

namespace kda::profile {
namespace {

using testing::h100_dir;

bool is_launch_parameter(const std::string& m) {
  // Launch configuration and device attributes are not measurements: they carry no noise.
  return m.rfind("launch__", 0) == 0 || m.rfind("device__", 0) == 0 || m.rfind("Launch Statistics/", 0) == 0 ||
         m.rfind("Occupancy/Block Limit", 0) == 0 || m.find("Theoretical") != std::string::npos;
}

int run_perturbed(unsigned seed, double noise) {
  Report r = load_report({h100_dir()});
  Json labels = read_json_file(h100_dir() / "labels.json");
  std::map<std::string, std::set<std::string>> expect;  // by original short name
  for (const auto& [name, spec] : labels["kernels"].items())
    for (const auto& c : spec["expect"]) expect[name].insert(c.get<std::string>());
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> jitter(1 - noise, 1 + noise);
  std::vector<std::string> original;
  for (auto& k : r.kernels) original.push_back(k.short_name());
  int hits = 0;
  for (size_t i = 0; i < r.kernels.size(); ++i) {
    Kernel& k = r.kernels[i];
    // Rotate names: kernel i is called after kernel i+1, with a different signature.
    k.name = "kernel_" + original[(i + 1) % original.size()] + "_v2(float*, int)";
    for (auto& [m, v] : k.metrics)
      if (!is_launch_parameter(m)) v *= jitter(rng);
    for (auto& rule : k.rules) rule.name = rule.name;  // tool rules keep their (generic) names
    k.quantities.clear();
    k.quantity_source.clear();
    k.findings.clear();
    analyze(k);
    bool hit = false;
    std::string top;
    for (size_t j = 0; j < k.findings.size() && j < 3; ++j) {
      hit |= expect[original[i]].count(k.findings[j].category) > 0;
      top += k.findings[j].category + " ";
    }
    EXPECT_TRUE(hit) << original[i] << " (seed " << seed << "): [" << top << "]";
    hits += hit;
  }
  return hits;
}

TEST(Generalize, RenamedAndPerturbedKernelsKeepTheirCategories) {
  KDA_REQUIRE_H100_FIXTURES();
  for (unsigned seed = 1; seed <= 20; ++seed) EXPECT_EQ(run_perturbed(seed, 0.03), 15) << "seed " << seed;
}

TEST(Generalize, TheTestCanFail) {
  KDA_REQUIRE_H100_FIXTURES();
  // Wiping the measurements must lose the diagnosis: the categories come from the values.
  Report r = load_report({h100_dir()});
  int with_findings = 0;
  for (auto& k : r.kernels) {
    k.metrics.clear();
    k.rules.clear();
    k.quantities.clear();
    k.findings.clear();
    analyze(k);
    with_findings += !k.findings.empty();
  }
  EXPECT_EQ(with_findings, 0);
}

}  // namespace
}  // namespace kda::profile
