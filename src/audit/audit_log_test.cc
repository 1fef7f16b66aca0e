#include "audit/audit_log.h"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "core/error.h"
#include "core/fs.h"
#include "store/store.h"

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

// The anchor (issue 14 §5): a task's log checked against the chain its store (real SQLite) kept.
class AnchoredAuditTest : public ::testing::Test {
 protected:
  TempDir dir{"kda-audit-anchor-test"};
  std::filesystem::path path = dir.path() / "audit.jsonl";
  Store store{dir.path()};
  AuditLog log{path, &store};
  void fill(int n) {
    for (int i = 0; i < n; ++i) log.append("verdict", {{"i", i}});
  }
  AuditCheck keep_first(size_t n) {
    auto ls = lines_of(path);
    ls.resize(n);
    write_lines(path, ls);
    return log.verify();
  }
};

TEST_F(AnchoredAuditTest, ANewStoresLogStartsWithStoreCreatedAndVerifies) {
  fill(3);
  auto ls = lines_of(path);
  ASSERT_EQ(ls.size(), 4u);
  EXPECT_EQ(parse_json(ls[0], "l1")["event"], "store_created");
  EXPECT_EQ(parse_json(ls[0], "l1")["data"]["store_id"], *store.meta("store_id"));
  auto c = log.verify();
  EXPECT_TRUE(c.ok) << c.problem;
  EXPECT_TRUE(c.anchored);
  EXPECT_EQ(c.records, 4);
  EXPECT_EQ(c.anchored_records, 4);
  EXPECT_FALSE(c.store_created_at.empty());
}

TEST_F(AnchoredAuditTest, TruncationAtEveryPointIsReportedWithTheIntactPrefix) {
  fill(9);  // 10 records
  const auto full = lines_of(path);
  for (size_t keep : {9u, 4u, 1u}) {
    write_lines(path, full);
    AuditCheck c = keep_first(keep);
    EXPECT_FALSE(c.ok) << "kept " << keep;
    EXPECT_EQ(c.bad_line, static_cast<int64_t>(keep) + 1);
    EXPECT_EQ(c.intact, static_cast<int64_t>(keep));
    std::string lost = keep == 9 ? "record 10 was removed" : "records " + std::to_string(keep + 1) + "..10 were removed";
    EXPECT_NE(c.problem.find(lost), std::string::npos) << c.problem;
    EXPECT_NE(c.recovery.find("kda audit repair"), std::string::npos) << c.recovery;
    EXPECT_THROW(log.append("verdict", {}), Error) << "an append must not extend a trimmed log";
  }
}

TEST_F(AnchoredAuditTest, AnEmptiedOrDeletedLogIsReported) {
  fill(4);
  write_file_atomic(path, "");
  AuditCheck c = log.verify();
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.problem.find("the log is empty"), std::string::npos) << c.problem;
  std::filesystem::remove(path);
  c = log.verify();
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.problem.find("the log is missing"), std::string::npos) << c.problem;
  EXPECT_EQ(c.intact, 0);
}

TEST_F(AnchoredAuditTest, ATornLastLineIsReportedAndRepairKeepsTheRest) {
  fill(4);  // 5 records
  std::string text = read_file(path);
  // What a crash or a full disk leaves: half of a sixth record, no newline.
  write_file_atomic(path, text + R"({"schema_version":1,"seq":6,"prev":"ab)");
  AuditCheck c = log.verify();
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.bad_line, 6);
  EXPECT_EQ(c.intact, 5);
  EXPECT_NE(c.problem.find("incomplete"), std::string::npos) << c.problem;
  log.repair();
  c = log.verify();
  EXPECT_TRUE(c.ok) << c.problem;
  EXPECT_EQ(c.records, 6);  // the five intact ones and audit_repaired
  EXPECT_EQ(parse_json(lines_of(path).back(), "last")["event"], "audit_repaired");
  log.append("verdict", {});
  EXPECT_TRUE(log.verify().ok);
}

TEST_F(AnchoredAuditTest, RepairOfATrimmedLogRecordsTheLostRecordsHashes) {
  fill(9);
  const auto full = lines_of(path);
  keep_first(4);
  log.repair();
  AuditCheck c = log.verify();
  ASSERT_TRUE(c.ok) << c.problem;
  EXPECT_EQ(c.records, 5);
  Json rec = parse_json(lines_of(path).back(), "last");
  EXPECT_EQ(rec["event"], "audit_repaired");
  ASSERT_EQ(rec["data"]["lost"].size(), 6u);
  EXPECT_EQ(rec["data"]["lost"][0]["hash"], parse_json(full[4], "l5")["hash"]);
  bool aside = false;
  for (auto& e : std::filesystem::directory_iterator(dir.path()))
    aside |= e.path().filename().string().rfind("audit.jsonl.damaged-", 0) == 0;
  EXPECT_TRUE(aside) << "the damaged log is kept aside";
}

TEST_F(AnchoredAuditTest, ACrashBetweenLogAndStoreIsAnInterruptedAppendNotTampering) {
  fill(3);
  store.truncate_anchor(3);  // the state a crash after the log's fsync and before the store update leaves
  AuditCheck c = log.verify();
  EXPECT_TRUE(c.ok) << c.problem;
  EXPECT_EQ(c.unanchored, 1);
  EXPECT_NE(c.note.find("interrupted"), std::string::npos) << c.note;
  log.append("verdict", {});
  c = log.verify();
  EXPECT_TRUE(c.ok) << c.problem;
  EXPECT_EQ(c.unanchored, 0);
  EXPECT_EQ(c.anchored_records, 5);
}

TEST_F(AnchoredAuditTest, ALogRewrittenFromSomeRecordOnIsReported) {
  fill(5);
  auto ls = lines_of(path);
  ls.resize(3);
  write_lines(path, ls);
  AuditLog(path).append("verdict", {{"forged", true}});  // re-extends the chain without the store
  AuditLog(path).append("verdict", {{"forged", true}});
  AuditLog(path).append("verdict", {{"forged", true}});
  EXPECT_TRUE(AuditLog(path).verify().ok) << "the chain alone cannot see it";
  AuditCheck c = log.verify();
  EXPECT_FALSE(c.ok);
  EXPECT_EQ(c.bad_line, 4);
  EXPECT_EQ(c.intact, 3);
  EXPECT_NE(c.problem.find("rewritten"), std::string::npos) << c.problem;
}

TEST(AuditAnchor, ALogOlderThanItsStoreIsReported) {
  TempDir d("kda-audit-anchor-test");
  for (int i = 0; i < 3; ++i) AuditLog(d.path() / "audit.jsonl").append("verdict", {{"i", i}});
  Store fresh(d.path());  // kda.db made after the log: the pins that went with the old one are gone
  AuditCheck c = AuditLog(d.path() / "audit.jsonl", &fresh).verify();
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.problem.find("not in the store's record"), std::string::npos) << c.problem;
}

TEST(AuditAnchor, AnUpgradedStoreAdoptsItsOlderLogOnceAndSaysSo) {
  TempDir d("kda-audit-anchor-test");
  for (int i = 0; i < 3; ++i) AuditLog(d.path() / "audit.jsonl").append("verdict", {{"i", i}});
  Store st(d.path());
  st.set_meta("anchor_adopt", "2");  // what Store sets when it upgrades a schema 2 database
  AuditLog log(d.path() / "audit.jsonl", &st);
  EXPECT_TRUE(log.verify().ok);
  EXPECT_FALSE(log.verify().note.empty());
  log.append("verdict", {{"i", 3}});
  AuditCheck c = log.verify();
  EXPECT_TRUE(c.ok) << c.problem;
  EXPECT_EQ(c.records, 5);
  EXPECT_EQ(c.anchored_records, 5);
  EXPECT_EQ(parse_json(lines_of(d.path() / "audit.jsonl")[3], "l4")["event"], "audit_anchored");
}

}  // namespace
}  // namespace kda
