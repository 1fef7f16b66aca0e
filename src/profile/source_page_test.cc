// Acceptance 4: the inline_ptx_chain hotspot is the inline-PTX line of the fma chain, linked to
// its PTX lines, with its stall reason.
#include "profile/source_page.h"

#include <fstream>

#include <gtest/gtest.h>

#include "core/fs.h"
#include "profile/report.h"
#include "profile/test_util.h"

namespace kda::profile {
namespace {

using testing::h100_dir;

TEST(SourcePage, InlinePtxHotspotIsTheFmaChain) {
  KDA_REQUIRE_H100_FIXTURES();
  Report r = load_report({h100_dir()});
  const Kernel* k = nullptr;
  for (const auto& x : r.kernels)
    if (x.short_name() == "inline_ptx_chain") k = &x;
  ASSERT_NE(k, nullptr);
  ASSERT_FALSE(k->hotspots.empty());
  const Hotspot& h = k->hotspots.front();
  EXPECT_TRUE(h.inline_ptx);
  EXPECT_NE(h.source.find("fma.rn.f32"), std::string::npos) << h.source;
  EXPECT_EQ(h.line, 124);
  EXPECT_EQ(h.top_stall, "wait");  // fixed-latency dependency: each fma waits on the previous
  ASSERT_FALSE(h.ptx_lines.empty());
  PtxPage ptx = read_ptx_page(read_csv_file((h100_dir() / "source_ptx_inline_ptx_chain.csv").string()));
  for (int line : h.ptx_lines) {
    auto it = std::find_if(ptx.lines.begin(), ptx.lines.end(), [&](auto& p) { return p.first == line; });
    ASSERT_NE(it, ptx.lines.end());
    EXPECT_EQ(it->second.rfind("fma.rn.f32", 0), 0u) << it->second;
  }
  // Only lines inside inline_ptx_chain's own entry, not other kernels' fmas.
  for (int line : h.ptx_lines) EXPECT_GT(line, 2331);
}

TEST(SourcePage, HotspotsAcrossSeveralFileSections) {
  KDA_REQUIRE_H100_FIXTURES();
  // reduce_atomic's page has a second section for the CUDA header holding atomicAdd.
  SourcePage p = read_source_page(read_csv_file((h100_dir() / "source_reduce_atomic.csv").string()));
  ASSERT_FALSE(p.hotspots.empty());
  EXPECT_NE(p.hotspots.front().file.find("atomic_functions"), std::string::npos) << p.hotspots.front().file;
  EXPECT_FALSE(p.hotspots.front().inline_ptx);
  EXPECT_GT(p.hotspots.front().share_pct, 50);
}

TEST(SourcePage, SmallHandWrittenPage) {
  auto csv = parse_csv(
      "\"File Path\",\"k.cu\"\n\"Function Name\",\"k(int)\"\n"
      "\"Line No\",\"Source\",\"Address\",\"Source\",\"Warp Stall Sampling (All Samples)\",\"stall_wait\",\"stall_long_sb\",\"stall_selected\"\n"
      "\"3\",\"x = a[i];\",\"-\",\"-\",\"10\",\"1\",\"8\",\"1\"\n"
      "\"\",\"\",\"0x10\",\"  LDG.E R1, [R2]\",\"10\",\"1\",\"8\",\"1\"\n"
      "\"4\",\"y = x * 2;\",\"-\",\"-\",\"30\",\"20\",\"0\",\"10\"\n"
      "\"\",\"\",\"0x20\",\"  FMUL R3, R1, 2\",\"30\",\"20\",\"0\",\"10\"\n",
      "hand.csv");
  SourcePage p = read_source_page(csv);
  EXPECT_EQ(p.function, "k(int)");
  ASSERT_EQ(p.hotspots.size(), 2u);
  EXPECT_EQ(p.hotspots[0].line, 4);
  EXPECT_EQ(p.hotspots[0].top_stall, "wait");
  EXPECT_EQ(p.hotspots[0].sass.at(0), "FMUL R3, R1, 2");
  EXPECT_DOUBLE_EQ(p.hotspots[0].share_pct, 75);
  EXPECT_EQ(p.hotspots[1].top_stall, "long_sb");
}


// Pages are told apart by their column names wherever they stand, not by the first header cell:
// here the source page has no preamble and starts with "Source", the PTX page with "Source" too.
TEST(SourcePage, PagesAreRecognisedByColumnNamesAnywhereInTheHeader) {
  TempDir d("kda-source-page");
  std::ofstream(d.path() / "a.csv") << "\"ID\",\"Kernel Name\",\"gpu__time_duration.sum\"\n"
                                       "\"0\",\"chain(float *)\",\"5000\"\n";
  std::ofstream(d.path() / "b.csv")
      << "\"Source\",\"Line No\",\"Warp Stall Sampling (All Samples)\",\"stall_wait\",\"stall_long_sb\"\n"
         "\"x = p[i];\",\"7\",\"10\",\"1\",\"9\"\n"
         "\"asm(\"\"fma.rn.f32 %0, %1, %2, %0;\"\" : \"\"+f\"\"(x) : \"\"f\"\"(a), \"\"f\"\"(b));\",\"8\",\"30\",\"28\",\"2\"\n";
  std::ofstream(d.path() / "c.csv") << "\"Source\",\"Line No\"\n\".visible .entry _Z5chainPf(\",\"20\"\n"
                                       "\"fma.rn.f32 %f2, %f1, %f3, %f2;\",\"21\"\n";
  Report r = load_report({d.path() / "a.csv", d.path() / "b.csv", d.path() / "c.csv"});
  ASSERT_EQ(r.kernels.size(), 1u);
  const Kernel& k = r.kernels[0];
  ASSERT_EQ(k.hotspots.size(), 2u);
  EXPECT_EQ(k.hotspots[0].line, 8);
  EXPECT_EQ(k.hotspots[0].top_stall, "wait");
  EXPECT_TRUE(k.hotspots[0].inline_ptx);
  EXPECT_EQ(k.hotspots[0].ptx_lines, std::vector<int>{21});  // the PTX page was recognised too
  EXPECT_EQ(k.hotspots[1].top_stall, "long_sb");
}

}  // namespace
}  // namespace kda::profile
