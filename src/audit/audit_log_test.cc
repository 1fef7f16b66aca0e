#include "audit/audit_log.h"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "core/error.h"
#include "core/fs.h"

namespace kda {
namespace {

std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::istringstream in(read_file(p));
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

void write_lines(const std::filesystem::path& p, const std::vector<std::string>& ls) {
  std::string s;
  for (auto& l : ls) s += l + "\n";
  write_file_atomic(p, s);
}

class AuditTest : public ::testing::Test {
 protected:
  TempDir dir{"kda-audit-test"};
  std::filesystem::path path = dir.path() / "audit.jsonl";
  void fill() {
    AuditLog log(path);
    for (int i = 0; i < 5; ++i) log.append("verdict", {{"i", i}});
  }
};

TEST_F(AuditTest, FreshChainVerifies) {
  fill();
  auto c = AuditLog(path).verify();
  EXPECT_TRUE(c.ok) << c.problem;
  EXPECT_EQ(c.records, 5);
}

TEST_F(AuditTest, EditIsDetected) {
  fill();
  auto ls = lines_of(path);
  auto p = ls[2].find("\"i\":2");
  ASSERT_NE(p, std::string::npos);
  ls[2].replace(p, 5, "\"i\":9");
  write_lines(path, ls);
  auto c = AuditLog(path).verify();
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.bad_line, 3);
  EXPECT_NE(c.problem.find("edited"), std::string::npos);
}

TEST_F(AuditTest, DeletionAndReorderingAreDetected) {
  fill();
  auto ls = lines_of(path);
  auto deleted = ls;
  deleted.erase(deleted.begin() + 1);
  write_lines(path, deleted);
  EXPECT_FALSE(AuditLog(path).verify().ok);
  auto swapped = ls;
  std::swap(swapped[1], swapped[2]);
  write_lines(path, swapped);
  EXPECT_FALSE(AuditLog(path).verify().ok);
  auto truncated_tail = ls;  // dropping the last record keeps a valid prefix: detectable only
  truncated_tail.pop_back();  // against a recorded head, which callers keep (see docs)
  write_lines(path, truncated_tail);
  EXPECT_EQ(AuditLog(path).verify().records, 4);
}

TEST_F(AuditTest, AppendRefusesBrokenChain) {
  fill();
  auto ls = lines_of(path);
  ls[0] = "{garbage";
  write_lines(path, ls);
  EXPECT_THROW(AuditLog(path).append("x", {}), Error);
}

}  // namespace
}  // namespace kda
