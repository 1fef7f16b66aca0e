#include "store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "core/error.h"
#include "core/fs.h"

namespace kda {

TEST(Store, ObjectsAreContentAddressed) {
  TempDir d("kda-store-test");
  Store s(d.path());
  std::string h = s.put_object("hello");
  EXPECT_EQ(h, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(s.put_object("hello"), h);
  EXPECT_EQ(s.get_object(h), "hello");
  EXPECT_FALSE(s.get_object("../../etc/passwd").has_value());
}

TEST(Store, PinsPersistAcrossOpens) {
  TempDir d("kda-store-test");
  {
    Store s(d.path());
    s.set_pin("baseline:cpp", "abc");
    s.set_pin("baseline:cpp", "def");
  }
  Store s(d.path());
  ASSERT_TRUE(s.pin("baseline:cpp").has_value());
  EXPECT_EQ(s.pin("baseline:cpp")->hash, "def");
  EXPECT_EQ(s.pins().size(), 1u);
  EXPECT_FALSE(s.pin("definition").has_value());
}

TEST(Store, TracesRoundTrip) {
  TempDir d("kda-store-test");
  Store s(d.path());
  Json t = {{"solution", "a"}, {"workload", {{"uuid", "w1"}}}, {"evaluation", {{"status", "PASSED"}}}};
  s.add_trace("h1", t);
  s.add_trace("h2", {{"solution", "b"}, {"evaluation", nullptr}});
  auto all = s.traces();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].status, "PASSED");
  EXPECT_EQ(all[0].workload, "w1");
  EXPECT_EQ(s.traces("b").size(), 1u);
}

TEST(Store, GarbageDatabaseIsAClearIntegrityError) {
  TempDir d("kda-store-test");
  write_file_atomic(d.path() / "kda.db", std::string(4096, 'x'));
  try {
    Store s(d.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIntegrity);
    EXPECT_NE(std::string(e.what()).find("not a kda store"), std::string::npos) << e.what();
  }
}

TEST(Store, TuningRecordsApplyOnlyWhereEveryKeyPartMatches) {
  TempDir d("kda-store-test");
  const TuningKey key{"variant", "workload", "device", "toolchain", "definition"};
  {
    Store s(d.path());
    TuningRecord r;
    r.variant = "v[A=1]";
    r.status = "PASSED";
    r.latency_ms = 1.25;
    r.trace = {{"solution", "v[A=1]"}};
    s.put_tuning(key, r);
    r.latency_ms = 1.5;  // a re-measurement replaces the older record
    s.put_tuning(key, r);
  }
  Store s(d.path());
  auto got = s.tuning(key);
  ASSERT_TRUE(got.has_value());
  EXPECT_DOUBLE_EQ(got->latency_ms, 1.5);
  EXPECT_EQ(got->trace["solution"], "v[A=1]");
  EXPECT_EQ(s.tuning_count(), 1);
  for (int part = 0; part < 5; ++part) {
    TuningKey other = key;
    std::string* fields[] = {&other.variant_hash, &other.workload_hash, &other.device_key, &other.toolchain_key,
                             &other.definition_hash};
    *fields[part] += "-other";
    EXPECT_FALSE(s.tuning(other).has_value()) << "key part " << part;
  }
}

TEST(Store, ASchemaOneStoreIsMigratedAndKeepsItsTraces) {
  TempDir d("kda-store-test");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((d.path() / "kda.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE pins(name TEXT PRIMARY KEY, hash TEXT NOT NULL, pinned_at TEXT NOT NULL);"
                         "CREATE TABLE traces(id INTEGER PRIMARY KEY, solution TEXT, solution_hash TEXT, workload TEXT,"
                         " status TEXT, created_at TEXT, json TEXT NOT NULL);"
                         "INSERT INTO traces(solution, json) VALUES('old', '{\"solution\":\"old\"}');"
                         "PRAGMA user_version=1;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Store s(d.path());
  EXPECT_EQ(s.traces("old").size(), 1u);
  s.put_tuning({"v", "w", "d", "t", "def"}, TuningRecord{.status = "PASSED", .latency_ms = 2.0, .trace = Json::object()});
  EXPECT_EQ(s.tuning_count(), 1);
}

TEST(Store, ASchemaTwoStoreGetsAnAnchorToAdoptAndAnIdentity) {
  TempDir d("kda-store-test");
  {
    Store s(d.path());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((d.path() / "kda.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE audit_chain; DROP TABLE meta; PRAGMA user_version=2;", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Store s(d.path());
  EXPECT_FALSE(s.created());
  EXPECT_EQ(s.meta("anchor_adopt"), "2");
  EXPECT_EQ(s.meta("store_id").value_or("").size(), 32u);
  EXPECT_TRUE(s.anchored_chain().empty());
}

TEST(Store, TheAnchorOnlyGrowsByOneLinkAtATime) {
  TempDir d("kda-store-test");
  Store s(d.path());
  EXPECT_TRUE(s.created());
  s.anchor_link({1, "h1", "store_created", "t"});
  s.anchor_link({2, "h2", "verdict", "t"});
  EXPECT_THROW(s.anchor_link({4, "h4", "verdict", "t"}), Error);
  EXPECT_THROW(s.anchor_link({2, "h2b", "verdict", "t"}), Error);
  ASSERT_EQ(s.anchored_chain().size(), 2u);
  EXPECT_EQ(s.anchored_chain()[1].hash, "h2");
  s.truncate_anchor(1);
  EXPECT_EQ(s.anchored_chain().size(), 1u);
  Store again(d.path());
  EXPECT_FALSE(again.created());
  EXPECT_EQ(again.meta("store_id"), s.meta("store_id"));
}

}  // namespace kda
