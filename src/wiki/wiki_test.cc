#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "wiki/entry.h"
#include "wiki/index.h"
#include "wiki/vocab.h"

namespace kda::wiki {
namespace {
namespace fs = std::filesystem;

std::string entry_text(const std::string& id, const std::string& kind, const std::string& title,
                       const std::string& extra = "", const std::string& body = "Body text.\n") {
  return "---\nschema_version: 1\nid: " + id + "\ntitle: \"" + title + "\"\nkind: " + kind +
         "\narchitectures: [sm90]\ntechniques: [tma, warp-specialization]\nconfidence: source-reported\n" + extra +
         "sources:\n  - repo: NVIDIA/cutlass\n    pr: 1234\n    url: https://github.com/NVIDIA/cutlass/pull/1234\n"
         "---\n" + body;
}

void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

std::string check_errors(const fs::path& dir) {
  std::string s;
  for (auto& p : load_wiki(dir).problems) s += p.to_string() + "\n";
  return s;
}

TEST(WikiVocab, ArchAliases) {
  EXPECT_EQ(canonical_arch("sm_90"), "sm90");
  EXPECT_EQ(canonical_arch("Hopper"), "sm90");
  EXPECT_EQ(canonical_arch("H100"), "sm90");
  EXPECT_EQ(canonical_arch("sm90a"), "sm90a");
  EXPECT_EQ(canonical_arch("blackwell"), "sm100");
  EXPECT_EQ(canonical_arch("MI300X"), "gfx942");
  EXPECT_EQ(canonical_arch("pentium"), "");
  auto umma = expand_term("UMMA");
  EXPECT_NE(std::find(umma.begin(), umma.end(), "tcgen05"), umma.end());
  EXPECT_FALSE(techniques_for_finding("shared-bank-conflict").empty());
  for (auto& c : finding_categories()) EXPECT_FALSE(techniques_for_finding(c).empty()) << c;
}

TEST(WikiEntry, ParsesValidEntry) {
  std::vector<Problem> problems;
  auto e = parse_entry("a.md", entry_text("technique-x", "technique", "X", "", "\n# X\n\nFirst para\nline two.\n\nMore.\n"), problems);
  ASSERT_TRUE(e) << (problems.empty() ? "" : problems[0].to_string());
  EXPECT_EQ(e->id, "technique-x");
  EXPECT_EQ(e->summary, "First para line two.");
  ASSERT_EQ(e->sources.size(), 1u);
  EXPECT_EQ(*e->sources[0].pr, 1234);
}

TEST(WikiEntry, ErrorsNameFileAndLine) {
  std::vector<Problem> problems;
  EXPECT_FALSE(parse_entry("bad.md", "no front matter\n", problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].to_string(), "bad.md:1: no YAML front matter: the file must start with a '---' line");

  problems.clear();
  EXPECT_FALSE(parse_entry("bad.md", "---\nid: [unclosed\n---\n", problems));
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].message.find("malformed front matter"), std::string::npos);

  problems.clear();
  std::string text = entry_text("kernel-x", "technique", "X");  // wrong prefix
  EXPECT_FALSE(parse_entry("p.md", text, problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 3);  // the id line
  EXPECT_NE(problems[0].message.find("must start with 'technique-'"), std::string::npos);

  problems.clear();
  text = "---\nschema_version: 1\nid: technique-y\ntitle: Y\nkind: technique\nconfidence: sure\n---\n";
  EXPECT_FALSE(parse_entry("c.md", text, problems));
  std::string all;
  for (auto& p : problems) all += p.to_string() + "\n";
  EXPECT_NE(all.find("c.md:6: confidence 'sure'"), std::string::npos) << all;
  EXPECT_NE(all.find("missing sources"), std::string::npos) << all;

  problems.clear();
  text = "---\nschema_version: 1\nid: technique-y\ntitle: Y\nkind: technique\nconfidence: inferred\n"
         "sources:\n  - repo: NVIDIA/cutlass\n    url: https://github.com/NVIDIA/cutlass\n---\n";
  EXPECT_FALSE(parse_entry("s.md", text, problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].to_string(), "s.md:8: source needs a pr number or a commit sha");

  problems.clear();
  text = "---\nschema_version: 1\nid: technique-y\ntitle: Y\nkind: technique\nconfidence: verified\n"
         "sources:\n  - repo: NVIDIA/cutlass\n    commit: abcdef1\n    url: https://github.com/NVIDIA/cutlass\n---\n";
  EXPECT_FALSE(parse_entry("v.md", text, problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("'verified' needs an official doc"), std::string::npos);
}

TEST(WikiIndex, BuildSearchAndIncremental) {
  TempDir d("kda-wiki-test");
  put(d.path() / "a.md", entry_text("technique-tma", "technique", "TMA bulk copies", "",
                                    "Use the tensor memory accelerator to move tiles.\n"));
  put(d.path() / "sub/b.md", entry_text("pattern-bank", "pattern", "Shared memory bank conflicts",
                                        "symptoms: [shared-bank-conflict]\nlinks: [technique-tma]\n",
                                        "Bank conflicts serialize accesses: pad the row or swizzle the layout.\n"));
  put(d.path() / "README.md", "not an entry\n");
  EXPECT_EQ(check_errors(d.path()), "");
  auto s1 = build_index(d.path());
  EXPECT_EQ(s1.added, 2u);
  auto s2 = build_index(d.path());
  EXPECT_EQ(s2.unchanged, 2u);
  EXPECT_EQ(s2.added + s2.updated + s2.removed, 0u);
  put(d.path() / "a.md", entry_text("technique-tma", "technique", "TMA bulk copies, revised"));
  auto s3 = build_index(d.path());
  EXPECT_EQ(s3.updated, 1u);
  EXPECT_EQ(s3.unchanged, 1u);

  Index idx(d.path());
  Query q;
  q.text = "bank conflicts in shared memory on Hopper";
  auto hits = idx.search(q);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].id, "pattern-bank");
  EXPECT_NE(hits[0].snippet.find('['), std::string::npos);
  Query f;
  f.finding = "shared-bank-conflict";
  f.arch = "sm_90";
  hits = idx.search(f);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].id, "pattern-bank");
  Query k;
  k.kind = "technique";
  EXPECT_EQ(idx.list(k).size(), 1u);
  Query other_arch;
  other_arch.text = "bank";
  other_arch.arch = "gfx942";
  EXPECT_TRUE(idx.search(other_arch).empty());
  auto j = idx.get("technique-tma");
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)["title"], "TMA bulk copies, revised");
  EXPECT_EQ(idx.stats()["entries"], 2);
  EXPECT_THROW(idx.search(Query{.text = "", .finding = "not-a-category"}), Error);
}

TEST(WikiIndex, BadInputLeavesIndexUntouched) {
  TempDir d("kda-wiki-test");
  put(d.path() / "a.md", entry_text("technique-tma", "technique", "TMA"));
  build_index(d.path());
  std::string before = sha256_file(index_path(d.path()));

  auto expect_rejected = [&](const std::string& needle) {
    try {
      build_index(d.path());
      ADD_FAILURE() << "expected an error mentioning " << needle;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("left untouched"), std::string::npos);
    }
    EXPECT_EQ(sha256_file(index_path(d.path())), before);
    for (auto& f : fs::directory_iterator(d.path() / ".index"))
      EXPECT_EQ(f.path().filename(), "wiki.db") << "stray file " << f.path();
  };
  put(d.path() / "dup.md", entry_text("technique-tma", "technique", "Again"));
  expect_rejected("duplicate id 'technique-tma'");
  fs::remove(d.path() / "dup.md");
  put(d.path() / "bad.md", "---\ntitle: [oops\n---\n");
  expect_rejected("bad.md:3: malformed front matter");
  fs::remove(d.path() / "bad.md");
  put(d.path() / "nosrc.md", "---\nschema_version: 1\nid: kernel-a\ntitle: A\nkind: kernel\nconfidence: inferred\n---\n");
  expect_rejected("nosrc.md:1: missing sources");
  fs::remove(d.path() / "nosrc.md");
  put(d.path() / "link.md", entry_text("kernel-b", "kernel", "B", "links: [technique-nope]\n"));
  expect_rejected("link to 'technique-nope' does not resolve");
  fs::remove(d.path() / "link.md");
  EXPECT_EQ(build_index(d.path()).unchanged, 1u);
}

TEST(WikiIndex, FtsQueryExpandsAliases) {
  std::string q = fts_query("UMMA on Blackwell, sm_90?");
  EXPECT_NE(q.find("\"tcgen05\""), std::string::npos) << q;
  EXPECT_NE(q.find("\"sm100\""), std::string::npos) << q;
  EXPECT_NE(q.find("\"sm90\""), std::string::npos) << q;
  EXPECT_EQ(q.find("\"on\""), std::string::npos) << q;
  EXPECT_EQ(fts_query("the of"), "");
}

}  // namespace
}  // namespace kda::wiki
