#include "core/utf8.h"

#include <gtest/gtest.h>

namespace kda {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, ValidTextIsUnchanged) {
  for (std::string s : {"", "plain", "\xC3\xA9t\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_TRUE(is_valid_utf8(s)) << s;
    EXPECT_EQ(valid_utf8(s), s);
  }
}

TEST(Utf8, IllFormedSequencesBecomeReplacementCharacters) {
  EXPECT_EQ(valid_utf8("a\xFF" "b"), "a" + kFffd + "b");
  EXPECT_EQ(valid_utf8("\xC3\x28"), kFffd + "(");             // a lead byte without its continuation
  EXPECT_EQ(valid_utf8("\xC0\xAF"), kFffd + kFffd);           // overlong
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);  // a UTF-16 surrogate
  EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // above U+10FFFF
  EXPECT_EQ(valid_utf8("\xE2\x82"), kFffd);                   // truncated at the end: one subpart
  EXPECT_EQ(valid_utf8("x\xF0\x9F\x98"), "x" + kFffd);
  for (std::string s : {"\xFF", "\xC3\x28", "\xED\xA0\x80", "\xE2\x82"}) EXPECT_FALSE(is_valid_utf8(s));
  EXPECT_TRUE(is_valid_utf8(valid_utf8("\xFE\xFF\xC3\x28\xED\xA0\x80\xF8\x88\x80\x80\x80")));
}

TEST(Utf8, DumpNeverThrowsAndParseReadsWhatWasStoredBefore) {
  Json j = {{"log", std::string("out: \xFF\xFE")}};
  EXPECT_THROW((void)j.dump(), Json::type_error);  // what made kda exit 70
  std::string text = dump_json(j);
  EXPECT_EQ(parse_json(text, "t")["log"], "out: " + kFffd + kFffd);
  // A record with raw invalid bytes (as another writer may have stored it) still reads.
  EXPECT_EQ(parse_json("{\"log\": \"a\xFF\"}", "stored")["log"], "a" + kFffd);
}

}  // namespace
}  // namespace kda
