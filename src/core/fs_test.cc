#include "core/fs.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace kda {

TEST(Fs, AtomicWriteThenRead) {
  TempDir dir("kda-fs-test");
  auto p = dir.path() / "a" / "b.txt";
  write_file_atomic(p, "one");
  write_file_atomic(p, "two");
  EXPECT_EQ(read_file(p), "two");
  // No temporary file is left beside it.
  int n = 0;
  for (auto& e : std::filesystem::directory_iterator(p.parent_path())) (void)e, ++n;
  EXPECT_EQ(n, 1);
}

TEST(Fs, MissingFileIsNotFound) {
  try {
    read_file("/nonexistent/kda/file");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/kda/file"), std::string::npos);
  }
}

TEST(Fs, AppendLineDurable) {
  TempDir dir("kda-fs-test");
  append_line_durable(dir.path() / "log.jsonl", "{}");
  append_line_durable(dir.path() / "log.jsonl", "[]");
  EXPECT_EQ(read_file(dir.path() / "log.jsonl"), "{}\n[]\n");
}

}  // namespace kda
