#include "store/store.h"

#include <gtest/gtest.h>

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

}  // namespace kda
