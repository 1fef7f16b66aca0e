// Test helpers: where the shared H100 fixtures are, and a skip (never a silent pass) without them.
#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace kda::profile::testing {

inline std::filesystem::path h100_dir() { return std::filesystem::path(KDA_SOURCE_DIR) / "../shared/fixtures/ncu/h100"; }
inline std::filesystem::path rocprof_dir() { return std::filesystem::path(KDA_SOURCE_DIR) / "../shared/fixtures/rocprof"; }
inline std::filesystem::path testdata() { return std::filesystem::path(KDA_SOURCE_DIR) / "src/profile/testdata"; }

#define KDA_REQUIRE_H100_FIXTURES()                                                          \
  do {                                                                                        \
    if (!std::filesystem::exists(::kda::profile::testing::h100_dir() / "labels.json"))        \
      GTEST_SKIP() << "shared H100 fixtures not found at " << ::kda::profile::testing::h100_dir(); \
  } while (0)

}  // namespace kda::profile::testing
