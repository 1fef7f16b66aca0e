// kda wiki through the real binary: add, show, stats, search --for-finding, and the exit codes of
// bad input (docs/wiki.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/fs.h"
#include "core/subprocess.h"
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


// Issue 18 through the binary: a hostile entry is a warning on stderr and search still answers;
// a question without words is exit 2; an import that loses pages is exit 1 with a summary.
TEST(WikiCli, BadEntriesWarnQueriesWithoutWordsFailLossyImportExitsOne) {
  TempDir d("kda-wiki-cli");
  fs::path w = d.path() / "wiki";
  fs::create_directories(w / "techniques");
  std::ofstream(w / "techniques" / "swz.md")
      << "---\nschema_version: 1\nid: technique-swz\ntitle: \"Swizzled tiles\"\nkind: technique\narchitectures: [gfx942]\n"
         "techniques: [swizzle]\nconfidence: source-reported\nsources:\n  - repo: NVIDIA/cutlass\n    pr: 5\n"
         "    url: https://github.com/NVIDIA/cutlass/pull/5\n---\nXOR the column index with the row.\n";
  std::ofstream(w / "techniques" / "bad.md") << "---\nid: technique-bad\ntitle: \"\xff\xfe\"\n---\n";
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"wiki", "--wiki", w.string()});
    return e2e::kda(args, d.path() / "cache");
  };
  auto r = run({"search", "swizzle", "--arch", "gfx942", "--json"});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_NE(r.err.find("bad.md:3: invalid UTF-8"), std::string::npos) << r.err;
  Json j = Json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 1u);
  EXPECT_EQ(j["results"][0]["sources"][0], "https://github.com/NVIDIA/cutlass/pull/5");
  EXPECT_EQ(run({"search", "the of"}).exit_code, 2);
  EXPECT_EQ(run({"check"}).exit_code, 3);
  fs::path kb = d.path() / "kb";
  fs::create_directories(kb / "wiki" / "techniques");
  std::ofstream(kb / "wiki" / "techniques" / "ok.md")
      << "---\nid: technique-ok\ntitle: \"Fine\"\ntype: technique\nsources: [missing-record]\n---\nBody.\n";
  std::ofstream(kb / "wiki" / "techniques" / "broken.md") << "---\nid: [\n---\nBody.\n";
  r = run({"import", kb.string()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("1 page(s) skipped and 1 source id(s) unresolved"), std::string::npos) << r.err;
  EXPECT_TRUE(run({"show", "kernelwiki.technique-ok"}).ok());
}

// Runs git (the real CLI) with a fixed identity and no user or system configuration.
std::string git(const std::vector<std::string>& args, const fs::path& cwd = {}) {
  ProcessSpec spec;
  spec.argv = {"git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main",
               "-c", "protocol.file.allow=always"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = cwd;
  spec.env_set = {{"GIT_CONFIG_NOSYSTEM", "1"}, {"GIT_CONFIG_GLOBAL", "/dev/null"}};
  auto r = run_process(spec);
  EXPECT_TRUE(r.ok()) << "git failed: " << r.describe() << "\n" << r.err;
  std::string out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// A bare mirror with `n` kernel commits (one .cu file each, PR numbers 1..n).
fs::path kernel_history(const fs::path& root, int n) {
  fs::path work = root / "work";
  git({"init", "-q", work.string()});
  for (int i = 1; i <= n; ++i) {
    std::ofstream(work / ("k" + std::to_string(i) + ".cu")) << "__global__ void k" << i << "() {}\n";
    git({"add", "."}, work);
    git({"commit", "-q", "-m", "Use wgmma and TMA in kernel " + std::to_string(i) + " (#" + std::to_string(i) + ")"},
        work);
  }
  fs::path bare = root / "kern.git";
  git({"clone", "-q", "--bare", work.string(), bare.string()});
  return bare;
}

// docs/wiki.md: a corrupt repository is reported (exit 3) before anything is written, and the next
// search indexes no draft of it.
TEST(WikiCli, IngestGitOnACorruptRepositoryWritesNoDrafts) {
  TempDir d("kda-wiki-cli");
  fs::path w = d.path() / "wiki";
  fs::create_directories(w);
  fs::path bare = kernel_history(d.path(), 14);
  std::string tree = git({"rev-parse", "HEAD~10^{tree}"}, bare);
  fs::path object = bare / "objects" / tree.substr(0, 2) / tree.substr(2);
  ASSERT_TRUE(fs::exists(object)) << object;
  fs::remove(object);
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"wiki", "--wiki", w.string()});
    return e2e::kda(args, d.path() / "cache");
  };
  auto r = run({"ingest-git", bare.string(), "--repo", "acme/kern"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("corrupt repository"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(w / "ingested")) << "drafts were written before the error";
  r = run({"search", "wgmma tma kernel", "--json"});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(Json::parse(r.out)["results"].size(), 0u) << r.out;
}

// A shallow clone cannot show that a commit is missing: `check --git` says so once.
TEST(WikiCli, CheckGitAgainstAShallowCloneSaysSoOnce) {
  TempDir d("kda-wiki-cli");
  fs::path bare = kernel_history(d.path(), 6);
  std::vector<std::string> old;
  for (int i = 5; i >= 1; --i) old.push_back(git({"rev-parse", "HEAD~" + std::to_string(i)}, bare));
  std::string head = git({"rev-parse", "HEAD"}, bare);
  fs::path shallow = d.path() / "shallow";
  git({"clone", "-q", "--depth", "1", "file://" + bare.string(), shallow.string()});
  fs::path w = d.path() / "wiki";
  fs::create_directories(w / "sources");
  auto write_entry = [&](int n, const std::string& sha) {
    std::ofstream(w / "sources" / ("pr-kern-" + std::to_string(n) + ".md"))
        << "---\nschema_version: 1\nid: pr-kern-" << n << "\ntitle: \"Kernel " << n
        << "\"\nkind: source-pr\nconfidence: source-reported\nsources:\n  - repo: acme/kern\n    pr: " << n
        << "\n    commit: " << sha << "\n    url: https://github.com/acme/kern/pull/" << n << "\n---\nBody.\n";
  };
  for (size_t i = 0; i < old.size(); ++i) write_entry(static_cast<int>(i + 1), old[i]);
  write_entry(6, head);
  auto r = e2e::kda({"wiki", "--wiki", w.string(), "check", "--git", "acme/kern=" + shallow.string()}, d.path() / "cache");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(r.out.find("is not in"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("is a shallow clone of acme/kern, so 5 cited commit(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("git fetch --unshallow"), std::string::npos) << r.out;
  size_t lines = 0;
  for (char c : r.out) lines += c == '\n';
  EXPECT_EQ(lines, 1u) << r.out;
  // The full mirror verifies every one of them.
  r = e2e::kda({"wiki", "--wiki", w.string(), "check", "--git", "acme/kern=" + bare.string()}, d.path() / "cache");
  EXPECT_TRUE(r.ok()) << r.out << r.err;
}

// libgit2 is a plugin (core/plugin.h): without it, ingest-git is one clear environment error
// (exit 6) naming the plugin, and search, which never needs it, keeps working.
TEST(WikiCli, MissingGitPluginIsAClearErrorAndSearchDoesNotNeedIt) {
  TempDir d("kda-wiki-cli");
  fs::path w = d.path() / "wiki";
  fs::create_directories(w / "techniques");
  std::ofstream(w / "techniques" / "swz.md")
      << "---\nschema_version: 1\nid: technique-swz\ntitle: \"Swizzled tiles\"\nkind: technique\narchitectures: [any]\n"
         "techniques: [swizzle]\nconfidence: source-reported\nsources:\n  - repo: NVIDIA/cutlass\n    pr: 5\n"
         "    url: https://github.com/NVIDIA/cutlass/pull/5\n---\nXOR the column index with the row.\n";
  fs::path bare = kernel_history(d.path(), 3);
  fs::path empty = d.path() / "no-plugins";
  fs::create_directories(empty);
  const std::map<std::string, std::string> env = {{"KDA_PLUGIN_DIR", empty.string()}};
  auto r = e2e::kda({"wiki", "--wiki", w.string(), "ingest-git", bare.string(), "--repo", "acme/kern"},
                    d.path() / "cache", env);
  EXPECT_EQ(r.exit_code, 6) << r.out << r.err;
  EXPECT_NE(r.err.find("kda-wiki-git.so"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(empty.string()), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(w / "ingested"));
  r = e2e::kda({"wiki", "--wiki", w.string(), "search", "swizzle", "--json"}, d.path() / "cache", env);
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(Json::parse(r.out)["results"].size(), 1u) << r.out;
  // With the plugin (found beside kda), the same ingest works.
  r = e2e::kda({"wiki", "--wiki", w.string(), "ingest-git", bare.string(), "--repo", "acme/kern"}, d.path() / "cache");
  EXPECT_TRUE(r.ok()) << r.out << r.err;
  EXPECT_TRUE(fs::exists(w / "ingested"));
}

}  // namespace
}  // namespace kda
