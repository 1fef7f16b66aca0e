#include <git2.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "wiki/entry.h"
#include "wiki/index.h"
#include "wiki/ingest.h"

namespace kda::wiki {
namespace {
namespace fs = std::filesystem;

// A real repository built with libgit2: one commit per call, with an explicit commit time.
class TestRepo {
 public:
  explicit TestRepo(const fs::path& dir) : dir_(dir) {
    git_libgit2_init();
    if (git_repository_init(&repo_, dir.c_str(), 0) != 0) throw std::runtime_error("git init failed");
  }
  ~TestRepo() {
    git_repository_free(repo_);
    git_libgit2_shutdown();
  }
  std::string commit(const std::string& path, const std::string& content, const std::string& message,
                     std::time_t when) {
    fs::create_directories((dir_ / path).parent_path());
    std::ofstream(dir_ / path) << content;
    git_index* index = nullptr;
    git_repository_index(&index, repo_);
    git_index_add_bypath(index, path.c_str());
    git_index_write(index);
    git_oid tree_oid, commit_oid;
    git_index_write_tree(&tree_oid, index);
    git_index_free(index);
    git_tree* tree = nullptr;
    git_tree_lookup(&tree, repo_, &tree_oid);
    git_signature* sig = nullptr;
    git_signature_new(&sig, "Test", "test@example.com", when, 0);
    git_commit* parent = nullptr;
    git_oid head;
    int nparents = 0;
    if (git_reference_name_to_id(&head, repo_, "HEAD") == 0) {
      git_commit_lookup(&parent, repo_, &head);
      nparents = 1;
    }
    const git_commit* parents[] = {parent};
    if (git_commit_create(&commit_oid, repo_, "HEAD", sig, sig, nullptr, message.c_str(), tree, nparents, parents) != 0)
      throw std::runtime_error("commit failed");
    git_commit_free(parent);
    git_signature_free(sig);
    git_tree_free(tree);
    char sha[GIT_OID_HEXSZ + 1];
    git_oid_tostr(sha, sizeof sha, &commit_oid);
    return sha;
  }

 private:
  fs::path dir_;
  git_repository* repo_ = nullptr;
};

const std::time_t kNow = 1767225600;  // 2026-01-01
const std::time_t kDay = 24 * 3600;

TEST(WikiIngest, PrAndRepoParsing) {
  EXPECT_EQ(pr_from_message("Use TMA multicast for B (#88)\n\nbody"), 88);
  EXPECT_EQ(pr_from_message("Merge pull request #1234 from someone/branch\n"), 1234);
  EXPECT_EQ(pr_from_message("fix typo"), -1);
  EXPECT_EQ(pr_from_message("subject\n\nsee (#5)"), -1);  // only the subject line counts
  EXPECT_EQ(repo_from_url("https://github.com/deepseek-ai/DeepGEMM.git"), "deepseek-ai/DeepGEMM");
  EXPECT_EQ(repo_from_url("git@github.com:flashinfer-ai/flashinfer"), "flashinfer-ai/flashinfer");
  EXPECT_EQ(repo_from_url("https://example.com/x/y"), "");
}

// Issue 18: keywords match whole words only. Each word below contains a term ("summary" holds
// "umma", "softmax" and "stmatrix" hold "tma", "tmemory" holds "tmem"); none may tag it.
TEST(WikiIngest, TagsMatchWholeWordsOnly) {
  const std::vector<std::pair<std::string, std::string>> inside = {
      {"summary", "tcgen05"}, {"consummate", "tcgen05"}, {"softmax", "tma"},   {"stmatrix", "tma"},
      {"atmax", "tma"},       {"sm900", ""},             {"tmemory", "tmem"}, {"fusedmoe", ""},
      {"remove", ""},         {"mlapack", "attention"},  {"prefilled", ""},   {"xgemmx", ""}};
  for (auto& [word, tech] : inside) {
    DetectedTags d = detect_tags("fix the " + word + " path");
    EXPECT_TRUE(d.techniques.empty()) << word << " tagged " << (d.techniques.empty() ? "" : d.techniques[0]);
    EXPECT_TRUE(d.architectures.empty()) << word;
    if (word == "softmax") {
      EXPECT_EQ(d.kernel_types, std::vector<std::string>{"softmax"});
    } else {
      EXPECT_TRUE(d.kernel_types.empty()) << word;
    }
  }
  EXPECT_FALSE(contains_word("xgemmx", "gemm*"));
  EXPECT_TRUE(contains_word("grouped_gemm kernel", "gemm*"));
  // Whole words, identifiers split by '_' or '/', and declared stems do.
  DetectedTags d = detect_tags("use umma and tma_load in csrc/tmem/alloc.cu; vectorized loads on sm90a");
  for (std::string t : {"tcgen05", "tma", "tmem", "vectorized-loads"})
    EXPECT_NE(std::find(d.techniques.begin(), d.techniques.end(), t), d.techniques.end()) << t;
  EXPECT_NE(std::find(d.architectures.begin(), d.architectures.end(), "sm90"), d.architectures.end());
}

// Draft summaries come from the message: subject, description without boilerplate, figures.
TEST(WikiIngest, SummariesSayWhatTheHistorySays) {
  CommitText c = read_commit_text(
      "Speed up MLA decode with split-KV (#88)\n\n<!-- template: describe your change -->\n## Description\n\n"
      "Splits the KV sequence across CTAs and merges partial softmax results.\nOn H100 this gives 1.7x at batch 1 "
      "and 35% at batch 8.\n\n## Checklist\n- [x] tests\n\nSigned-off-by: A Person <a@example.com>\n");
  EXPECT_EQ(c.subject, "Speed up MLA decode with split-KV (#88)");
  EXPECT_EQ(c.description,
            "Splits the KV sequence across CTAs and merges partial softmax results. On H100 this gives 1.7x at batch 1 "
            "and 35% at batch 8.");
  EXPECT_EQ(c.figures, (std::vector<std::string>{"1.7x", "35%"}));
  EXPECT_EQ(read_commit_text("One line\n").description, "");
}

TEST(WikiIngest, SelectsKernelCommitsWritesValidDraftsAndResumes) {
  TempDir d("kda-ingest-test");
  fs::path repo_dir = d.path() / "repo";
  fs::path wiki = d.path() / "wiki";
  TestRepo repo(repo_dir);
  repo.commit("csrc/old.cu", "old\n", "Ancient kernel (#1)\n", kNow - 1000 * kDay);
  repo.commit("csrc/gemm_sm90.cu", "a\n", "Add wgmma GEMM for Hopper (#12)\n\nUses TMA loads.\n", kNow - 30 * kDay);
  repo.commit("README.md", "docs\n", "Update README\n", kNow - 20 * kDay);
  repo.commit("include/moe.cuh", "b\n", "Enable TMA multicast in MoE grouped GEMM (#15)\n", kNow - 10 * kDay);
  repo.commit("include/moe.cuh", "c\n", "Follow-up for (#15)\n", kNow - 9 * kDay);
  std::string plain = repo.commit("python/bench.py", "d\n", "Tune fp8 split-k heuristics\n", kNow - 5 * kDay);

  IngestOptions o;
  o.repo_path = repo_dir;
  o.wiki_dir = wiki;
  o.repo_name = "acme/Kern";
  o.months = 24;
  o.now = kNow;
  auto st = ingest_git(o);
  EXPECT_EQ(st.scanned, 5u);  // the 1000-day-old commit is outside 24 months
  EXPECT_EQ(st.written, 3u);  // README skipped; the second #15 commit deduped by PR
  EXPECT_EQ(st.duplicate_pr, 1u);
  fs::path dir = wiki / "ingested" / "kern";
  ASSERT_TRUE(fs::exists(dir / "pr-kern-12.md"));
  ASSERT_TRUE(fs::exists(dir / "pr-kern-15.md"));
  ASSERT_TRUE(fs::exists(dir / ("pr-kern-" + plain.substr(0, 12) + ".md")));

  auto loaded = load_wiki(wiki);
  std::string problems;
  for (auto& p : loaded.problems) problems += p.to_string() + "\n";
  ASSERT_TRUE(loaded.problems.empty()) << problems;
  for (auto& e : loaded.entries) {
    EXPECT_TRUE(e.draft);
    EXPECT_EQ(e.kind, "source-pr");
    EXPECT_EQ(e.summary.find("TODO"), std::string::npos) << e.summary;
    EXPECT_EQ(e.body.find("TODO"), std::string::npos) << e.body;
    EXPECT_NE(e.summary.find("Changes 1 file (+1 -"), std::string::npos) << e.summary;
    if (e.id == "pr-kern-12") {
      EXPECT_NE(e.summary.find("Uses TMA loads."), std::string::npos) << e.summary;
    }
    if (e.id == "pr-kern-12") {
      EXPECT_NE(std::find(e.techniques.begin(), e.techniques.end(), "wgmma"), e.techniques.end());
      EXPECT_NE(std::find(e.architectures.begin(), e.architectures.end(), "sm90"), e.architectures.end());
      EXPECT_EQ(e.sources[0].url, "https://github.com/acme/Kern/pull/12");
      EXPECT_EQ(*e.sources[0].pr, 12);
      EXPECT_EQ(e.sources[0].commit.size(), 40u);
    }
  }
  build_index(wiki);
  Index idx(wiki);
  Query q;
  q.text = "wgmma hopper gemm";
  auto hits = idx.search(q);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].id, "pr-kern-12");
  EXPECT_TRUE(hits[0].draft);

  auto again = ingest_git(o);  // resumable: nothing new, nothing overwritten
  EXPECT_EQ(again.written, 0u);
  EXPECT_EQ(again.existing, 3u);
}

TEST(WikiIngest, BadRepositoriesGiveClearErrorsAndLeaveTheWikiAlone) {
  TempDir d("kda-ingest-test");
  fs::path wiki = d.path() / "wiki";
  IngestOptions o;
  o.wiki_dir = wiki;
  o.repo_name = "acme/kern";
  o.now = kNow;
  auto expect_error = [&](const std::string& needle) {
    try {
      ingest_git(o);
      ADD_FAILURE() << "expected an error mentioning " << needle;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(wiki / "ingested"));
  };
  // Not a repository.
  fs::create_directories(d.path() / "plain");
  o.repo_path = d.path() / "plain";
  expect_error("is not a git repository");

  // Shallow clone marker.
  fs::path shallow = d.path() / "shallow";
  std::string head;
  {
    TestRepo r(shallow);
    head = r.commit("a.cu", "x\n", "kernel (#1)\n", kNow - kDay);
  }
  std::ofstream(shallow / ".git" / "shallow") << head << "\n";
  o.repo_path = shallow;
  expect_error("shallow clone");

  // Corrupt: the HEAD commit object is missing.
  fs::path corrupt = d.path() / "corrupt";
  {
    TestRepo r(corrupt);
    r.commit("a.cu", "x\n", "first kernel (#1)\n", kNow - 2 * kDay);
    head = r.commit("b.cu", "y\n", "second kernel (#2)\n", kNow - kDay);
  }
  fs::remove(corrupt / ".git" / "objects" / head.substr(0, 2) / head.substr(2));
  o.repo_path = corrupt;
  expect_error("corrupt");

  // Name unknown (no origin remote, no --repo).
  fs::path noremote = d.path() / "noremote";
  { TestRepo r(noremote); r.commit("a.cu", "x\n", "k\n", kNow - kDay); }
  o.repo_path = noremote;
  o.repo_name.clear();
  try {
    ingest_git(o);
    ADD_FAILURE() << "expected a usage error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("--repo owner/name"), std::string::npos);
  }
}

// docs/wiki.md: unreadable objects are reported before anything is written. The object that is
// missing here is the tree of a commit ten commits back, so the ten newer commits are read fine
// first; none of their drafts may reach the wiki or its index.
TEST(WikiIngest, MissingTreeDeepInHistoryWritesNothingAndLeavesTheIndexAlone) {
  TempDir d("kda-ingest-test");
  fs::path repo_dir = d.path() / "repo";
  fs::path wiki = d.path() / "wiki";
  fs::create_directories(wiki / "techniques");
  std::ofstream(wiki / "techniques" / "swz.md")
      << "---\nschema_version: 1\nid: technique-swz\ntitle: \"Swizzled tiles\"\nkind: technique\narchitectures: [any]\n"
         "techniques: [swizzle]\nconfidence: source-reported\nsources:\n  - repo: NVIDIA/cutlass\n    pr: 5\n"
         "    url: https://github.com/NVIDIA/cutlass/pull/5\n---\nXOR the column index with the row.\n";
  build_index(wiki);
  const fs::path db = wiki / ".index" / "wiki.db";
  ASSERT_TRUE(fs::exists(db));
  const std::string db_before = read_file(db);

  std::vector<std::string> shas;
  {
    TestRepo repo(repo_dir);
    for (int i = 0; i < 15; ++i)
      shas.push_back(repo.commit("csrc/gemm_" + std::to_string(i) + ".cu", "kernel v" + std::to_string(i) + "\n",
                                 "Use wgmma and TMA in GEMM step " + std::to_string(i) + " (#" + std::to_string(100 + i) + ")\n",
                                 kNow - (30 - i) * kDay));
  }
  // The root tree of HEAD~10 (commit index 4 of 0..14).
  std::string tree_sha;
  {
    git_libgit2_init();
    git_repository* r = nullptr;
    ASSERT_EQ(git_repository_open(&r, repo_dir.c_str()), 0);
    git_oid oid;
    git_oid_fromstr(&oid, shas[4].c_str());
    git_commit* c = nullptr;
    ASSERT_EQ(git_commit_lookup(&c, r, &oid), 0);
    char buf[GIT_OID_HEXSZ + 1];
    git_oid_tostr(buf, sizeof buf, git_commit_tree_id(c));
    tree_sha = buf;
    git_commit_free(c);
    git_repository_free(r);
    git_libgit2_shutdown();
  }
  const fs::path object = repo_dir / ".git" / "objects" / tree_sha.substr(0, 2) / tree_sha.substr(2);
  ASSERT_TRUE(fs::exists(object)) << object;
  const std::string saved = read_file(object);
  fs::remove(object);

  IngestOptions o;
  o.repo_path = repo_dir;
  o.wiki_dir = wiki;
  o.repo_name = "acme/Kern";
  o.now = kNow;
  try {
    ingest_git(o);
    ADD_FAILURE() << "expected an input error for the missing tree";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput) << e.what();
    EXPECT_NE(std::string(e.what()).find("corrupt repository"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(wiki / "ingested")) << "drafts were written before the walk failed";
  EXPECT_EQ(read_file(db), db_before) << "the index changed";
  build_index(wiki);  // what the next search does first: nothing new to index
  Index idx(wiki);
  Query q;
  q.text = "wgmma gemm";
  for (const auto& h : idx.search(q)) EXPECT_FALSE(h.draft) << h.id;

  // Repaired, the same run writes every draft; repeated, it writes none (resumable).
  write_file_atomic(object, saved);
  auto st = ingest_git(o);
  EXPECT_EQ(st.written, 15u);
  EXPECT_EQ(ingest_git(o).existing, 15u);
}

// kda wiki check --git: cited commits must exist in the repository at hand.
TEST(WikiIngest, VerifyCommitsAgainstALocalRepository) {
  TempDir d("kda-wiki-verify");
  std::string sha;
  {
    TestRepo repo(d.path() / "repo");
    sha = repo.commit("csrc/a.cu", "__global__ void k() {}\n", "Add a kernel (#1)", kNow - kDay);
  }
  auto entry_citing = [](const std::string& commit, const std::string& repo) {
    Entry e;
    e.id = "pr-x-" + commit.substr(0, 7);
    e.path = "x/" + e.id + ".md";
    Source s;
    s.type = "code";
    s.repo = repo;
    s.commit = commit;
    s.url = "https://github.com/" + repo + "/commit/" + commit;
    e.sources.push_back(s);
    return e;
  };
  std::string missing = "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
  std::vector<Entry> entries = {entry_citing(sha, "acme/kernels"), entry_citing(sha.substr(0, 10), "acme/kernels"),
                                entry_citing(missing, "acme/kernels"), entry_citing(missing, "other/repo")};
  auto problems = verify_commits(entries, {{"acme/kernels", d.path() / "repo"}});
  ASSERT_EQ(problems.size(), 1u);  // the other repository is not at hand, so it is not checked
  EXPECT_NE(problems[0].message.find("commit " + missing + " cited for acme/kernels is not in"), std::string::npos)
      << problems[0].message;
  fs::create_directories(d.path() / "plain");
  EXPECT_THROW(verify_commits(entries, {{"acme/kernels", d.path() / "plain"}}), Error);
}

}  // namespace
}  // namespace kda::wiki
