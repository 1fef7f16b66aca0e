// kda wiki through the real binary: add, show, stats, search --for-finding, and the exit codes of
// bad input (docs/wiki.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/fs.h"
#include "core/json_io.h"
#include "tests/e2e_support.h"

namespace kda {
namespace {
namespace fs = std::filesystem;

TEST(WikiCli, AddShowStatsSearchAndBadInput) {
  TempDir d("kda-wiki-cli");
  fs::path w = d.path() / "wiki";
  fs::create_directories(w / "techniques");
  std::ofstream(w / "techniques" / "swz.md")
      << "---\nschema_version: 1\nid: technique-swz\ntitle: \"Swizzled tiles\"\nkind: technique\narchitectures: [any]\n"
         "techniques: [swizzle]\nconfidence: source-reported\nsources:\n  - repo: NVIDIA/cutlass\n    pr: 5\n"
         "    url: https://github.com/NVIDIA/cutlass/pull/5\n---\nXOR the column index with the row.\n";
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"wiki", "--wiki", w.string()});
    return e2e::kda(args, d.path() / "cache");
  };
  auto r = run({"add", "--kind", "technique", "--title", "Pad LDS rows", "--arch", "gfx942", "--technique", "padding",
                "--symptom", "shared-bank-conflict", "--source-repo", "ROCm/composable_kernel", "--source-pr", "200"});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_NE(r.out.find("added technique-pad-lds-rows"), std::string::npos) << r.out;

  r = run({"show", "technique-pad-lds-rows", "--json"});
  ASSERT_TRUE(r.ok()) << r.err;
  Json j = Json::parse(r.out);
  EXPECT_EQ(j["sources"][0]["pr"], 200);
  EXPECT_EQ(j["sources"][0]["url"], "https://github.com/ROCm/composable_kernel/pull/200");

  r = run({"stats", "--json"});
  ASSERT_TRUE(r.ok()) << r.err;
  j = Json::parse(r.out);
  EXPECT_EQ(j["entries"], 2);
  EXPECT_EQ(j["curated"], 2);
  EXPECT_EQ(j["index"]["up_to_date"], true);

  r = run({"search", "--for-finding", "shared-bank-conflict", "--arch", "mi300x", "--json"});
  ASSERT_TRUE(r.ok()) << r.err;
  j = Json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["id"], "technique-pad-lds-rows");  // it names the symptom

  auto expect_exit = [&](std::vector<std::string> args, int code, const std::string& needle) {
    auto res = run(args);
    EXPECT_EQ(res.exit_code, code) << res.out << res.err;
    EXPECT_NE(res.err.find(needle), std::string::npos) << res.err;
  };
  expect_exit({"add", "--kind", "technique", "--title", "Again", "--id", "technique-swz", "--source-repo", "a/b",
               "--source-pr", "1"},
              3, "already used");
  expect_exit({"add", "--kind", "kernel", "--title", "No source"}, 3, "missing sources");
  expect_exit({"import", (d.path() / "nowhere").string()}, 4, "does not exist");
  expect_exit({"check", "--git", "a/b=" + (d.path() / "cache").string()}, 3, "not a git repository");
  expect_exit({"list", "--since", "last-week"}, 2, "--since wants a date");
  size_t files = 0;
  for (auto& f : fs::recursive_directory_iterator(w))
    files += f.is_regular_file() && f.path().extension() == ".md";
  EXPECT_EQ(files, 2u);  // nothing was written by the refused commands
}

}  // namespace
}  // namespace kda
