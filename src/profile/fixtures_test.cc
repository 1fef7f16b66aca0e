// Acceptance 1: on the real H100 report, every kernel of labels.json has one of its expected
// categories among its top three findings, with evidence values that match the CSV.
#include <set>

#include <gtest/gtest.h>

#include "core/json_io.h"
#include "profile/csv.h"
#include "profile/render.h"
#include "profile/report.h"
#include "profile/test_util.h"

namespace kda::profile {
namespace {

using testing::h100_dir;

const Kernel* find(const Report& r, const std::string& short_name) {
  for (const auto& k : r.kernels)
    if (k.short_name() == short_name) return &k;
  return nullptr;
}

TEST(Fixtures, EveryLabelledKernelHasAnExpectedCategoryInItsTopThree) {
  KDA_REQUIRE_H100_FIXTURES();
  Report r = load_report({h100_dir()});
  Json labels = read_json_file(h100_dir() / "labels.json");
  ASSERT_EQ(labels["kernels"].size(), 15u);
  int ok = 0;
  for (const auto& [name, spec] : labels["kernels"].items()) {
    const Kernel* k = find(r, name);
    ASSERT_NE(k, nullptr) << name;
    std::set<std::string> expect;
    for (const auto& c : spec["expect"]) expect.insert(c.get<std::string>());
    std::string top;
    bool hit = false;
    for (size_t i = 0; i < k->findings.size() && i < 3; ++i) {
      top += k->findings[i].category + " ";
      hit |= expect.count(k->findings[i].category) > 0;
    }
    EXPECT_TRUE(hit) << name << ": top three are [" << top << "]";
    ok += hit;
  }
  EXPECT_EQ(ok, 15);
}

TEST(Fixtures, EvidenceValuesMatchTheRawCsv) {
  KDA_REQUIRE_H100_FIXTURES();
  Report r = load_report({h100_dir()});
  CsvTable raw = read_csv_file((h100_dir() / "raw.csv").string());
  const size_t name_col = raw.require_column(0, "Kernel Name");
  int checked = 0;
  for (const auto& k : r.kernels) {
    const CsvRow* row = nullptr;
    for (const auto& rw : raw.rows)
      if (rw.fields[name_col] == k.name) row = &rw;
    ASSERT_NE(row, nullptr) << k.name;
    for (const auto& f : k.findings)
      for (const auto& e : f.evidence) {
        auto col = raw.column(0, e.metric);
        if (!col) continue;  // derived values (ratios) and Nsight rule estimates
        auto v = parse_number(row->fields[*col]);
        ASSERT_TRUE(v.has_value()) << e.metric;
        EXPECT_DOUBLE_EQ(*v, e.value) << k.name << " " << e.metric;
        ++checked;
      }
  }
  EXPECT_GT(checked, 30);
}

TEST(Fixtures, JsonHasTheDocumentedShape) {
  KDA_REQUIRE_H100_FIXTURES();
  Json j = to_json(load_report({h100_dir()}));
  EXPECT_EQ(j["schema_version"], 1);
  ASSERT_EQ(j["kernels"].size(), 15u);
  for (const auto& k : j["kernels"]) {
    EXPECT_TRUE(k["name"].is_string());
    EXPECT_TRUE(k["duration_ns"].is_number());
    ASSERT_FALSE(k["findings"].empty());
    double prev = 1e9;
    for (const auto& f : k["findings"]) {
      EXPECT_TRUE(f["category"].is_string());
      EXPECT_FALSE(f["evidence"].empty()) << k["name"] << " " << f["category"];
      EXPECT_FALSE(f["fix"].get<std::string>().empty());
      double s = f["estimated_speedup"].get<double>();
      if (f["category"] != "near-roofline") {
        EXPECT_LE(s, prev) << "findings must be ranked best first";
        prev = s;
      }
    }
  }
}

TEST(Fixtures, TimelineStripForPmSampledKernels) {
  KDA_REQUIRE_H100_FIXTURES();
  Report r = load_report({h100_dir()});
  const Kernel* tail = find(r, "tail_wave");
  ASSERT_NE(tail, nullptr);
  EXPECT_FALSE(tail->timeline.empty());
  EXPECT_FALSE(find(r, "copy_coalesced")->timeline.size());
}

TEST(Fixtures, MissingMetricsAreReportedNotFatal) {
  KDA_REQUIRE_H100_FIXTURES();
  // The details page alone lacks most raw metrics; analysis still runs and lists what is missing.
  Report r = load_report({h100_dir() / "second_details.csv"});
  ASSERT_FALSE(r.kernels.empty());
  for (const auto& k : r.kernels) {
    EXPECT_TRUE(k.q("duration_ns").has_value()) << k.name;
    EXPECT_FALSE(k.missing.empty());
  }
}

}  // namespace
}  // namespace kda::profile
