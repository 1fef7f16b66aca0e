#include "profile/csv.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace kda::profile {
namespace {

TEST(Csv, QuotedFieldsWithCommasNewlinesAndTemplates) {
  auto t = parse_csv("\"ID\",\"Kernel Name\",\"v\"\n\"0\",\"void f<int, 3>(const float *, int)\",\"1,024\"\n"
                     "\"1\",\"multi\nline\",\"say \"\"hi\"\"\"\r\n",
                     "x.csv");
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[1].fields[1], "void f<int, 3>(const float *, int)");
  EXPECT_EQ(t.rows[2].fields[1], "multi\nline");
  EXPECT_EQ(t.rows[2].fields[2], "say \"hi\"");
  EXPECT_EQ(t.rows[2].line, 3u);
  EXPECT_EQ(*t.column(0, "Kernel Name"), 1u);
  EXPECT_FALSE(t.column(0, "nope").has_value());
}

TEST(Csv, UnescapedQuotesInsideSourceTextAreLiteral) {
  // ncu writes asm("...") source lines without doubling the quotes.
  auto t = parse_csv("\"124\",\"asm volatile(\"fma.rn.f32 %0;\" : \"+f\"(x));\",\"7\"\n", "s.csv");
  ASSERT_EQ(t.rows[0].fields.size(), 3u);
  EXPECT_EQ(t.rows[0].fields[1], "asm volatile(\"fma.rn.f32 %0;\" : \"+f\"(x));");
  EXPECT_EQ(t.rows[0].fields[2], "7");
}

TEST(Csv, ErrorsNameFileAndLine) {
  try {
    parse_csv("\"a\",\"b\"\n\"1\",\"unterminated\n", "bad.csv");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("bad.csv:2:"), std::string::npos) << e.what();
  }
  auto t = parse_csv("\"a\"\n", "h.csv");
  try {
    t.require_column(0, "Metric Name");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("h.csv:1: missing column \"Metric Name\""), std::string::npos);
  }
}

TEST(Csv, NumbersAsNcuPrintsThem) {
  EXPECT_DOUBLE_EQ(*parse_number("1,051,744"), 1051744);
  EXPECT_DOUBLE_EQ(*parse_number("2.62"), 2.62);
  EXPECT_DOUBLE_EQ(*parse_number("3.215e-05"), 3.215e-05);
  EXPECT_DOUBLE_EQ(*parse_number("95%"), 95);
  EXPECT_FALSE(parse_number("n/a").has_value());
  EXPECT_FALSE(parse_number("-").has_value());
  EXPECT_FALSE(parse_number("(256, 1, 1)").has_value());
  EXPECT_FALSE(parse_number("NVIDIA H100").has_value());
}

}  // namespace
}  // namespace kda::profile
