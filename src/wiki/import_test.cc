// kda wiki import: a KernelWiki-format tree written here (its layout and rules, our own words),
// plus a run against a real checkout when $KDA_KERNELWIKI_DIR points at one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "wiki/entry.h"
#include "wiki/import.h"
#include "wiki/index.h"

namespace kda::wiki {
namespace {
namespace fs = std::filesystem;

void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// One of our own entries, so that imported pages are searched beside ours.
void put_local_entry(const fs::path& wiki) {
  put(wiki / "techniques" / "pad.md",
      "---\nschema_version: 1\nid: technique-smem-padding\ntitle: \"Pad shared-memory rows\"\nkind: technique\n"
      "architectures: [any]\ntechniques: [padding]\nsymptoms: [shared-bank-conflict]\nconfidence: source-reported\n"
      "sources:\n  - repo: NVIDIA/cutlass\n    pr: 11\n    url: https://github.com/NVIDIA/cutlass/pull/11\n"
      "---\nAdd one element of padding per row so column reads hit different banks.\n");
}

// A small knowledge base in the KernelWiki layout: every page type, vocabulary and alias files, a
// field we do not know, and pages the upstream rules reject.
void write_kernelwiki(const fs::path& kb) {
  put(kb / "data" / "tags.yaml",
      "architectures: [sm90, sm100, sm103, blackwell]\n"
      "hardware_features: [tcgen05, tmem, tma]\n"
      "techniques: [swizzling, warp-specialization, persistent-kernel]\n"
      "kernel_types: [gemm, attention, topk]\n"
      "languages: [cuda-cpp, triton]\n"
      "confidence: [verified, source-reported, inferred, experimental]\n"
      "reproducibility: [concept, pseudocode, snippet, runnable, benchmarked]\n"
      "source_categories: [official-doc, upstream-code, benchmark-blog, contest-report]\n");
  put(kb / "data" / "aliases.yaml",
      "tcgen05:\n  - UMMA\n  - \"fifth-generation tensor core\"\ntmem:\n  - \"tensor memory\"\n"
      "sm90:\n  - Hopper\n  - H100\n");
  put(kb / "data" / "schemas.yaml",
      "source-pr:\n  required: [id, repo, pr, title, url, status]\n"
      "  constraints: {status: [open, merged, closed], merge_sha_required_when: \"status == merged\"}\n"
      "source-doc:\n  required: [id, title, url]\n"
      "source-blog:\n  required: [id, title, url]\n"
      "source-contest:\n  required: [id, title]\n"
      "wiki-hardware:\n  required: [id, title, type, architectures, tags, sources]\n"
      "  constraints: {type: hardware, id_prefix: hw-}\n"
      "wiki-technique:\n  required: [id, title, type, tags, sources]\n"
      "  constraints: {type: technique, id_prefix: technique-, reproducibility_minimum: concept}\n"
      "wiki-kernel:\n  required: [id, title, type, tags, sources, performance_claims]\n"
      "  constraints: {type: kernel, id_prefix: kernel-}\n"
      "wiki-pattern:\n  required: [id, title, type, symptoms, candidate_techniques, sources]\n"
      "  constraints: {type: pattern, id_prefix: pattern-}\n"
      "wiki-language:\n  required: [id, title, type, sources]\n  constraints: {type: language, id_prefix: lang-}\n"
      "wiki-migration:\n  required: [id, title, type, from_arch, to_arch, sources]\n"
      "  constraints: {type: migration, id_prefix: migration-}\n");
  put(kb / "sources" / "prs" / "cutlass" / "PR-500.md",
      "---\nid: pr-cutlass-500\nrepo: NVIDIA/cutlass\npr: 500\ntitle: \"Blackwell GEMM with a TMEM accumulator\"\n"
      "url: https://github.com/NVIDIA/cutlass/pull/500\nstatus: merged\nmerge_sha: 0123abcd4567\ndate: 2025-03-02\n"
      "architectures: [sm100]\ntags: [gemm, tcgen05]\nhardware_features: [tcgen05]\n"
      "review_notes: \"a field kda does not know\"\n---\nPull request record: body kept as written.\n");
  put(kb / "sources" / "docs" / "ptx-tcgen05.md",
      "---\nid: doc-ptx-tcgen05\ntitle: \"PTX notes on tcgen05\"\nurl: https://docs.nvidia.com/cuda/parallel-thread-execution/\n"
      "retrieved_at: 2025-04-01\narchitectures: [sm100]\ntags: [tcgen05]\n---\nDocument record.\n");
  put(kb / "sources" / "blogs" / "swizzle-notes.md",
      "---\nid: blog-swizzle-notes\ntitle: \"Notes on swizzled layouts\"\nurl: https://example.com/swizzle\n"
      "retrieved_at: 2024-11-20\n---\nBlog record.\n");
  put(kb / "sources" / "contests" / "topk-round.md",
      "---\nid: contest-topk-round\ntitle: \"A top-k kernel contest round\"\ntags: [topk]\n---\n"
      "Contest record without a URL.\n");
  put(kb / "wiki" / "hardware" / "tcgen05.md",
      "---\nid: hw-tcgen05\ntitle: \"Fifth-generation MMA\"\ntype: hardware\narchitectures: [sm100]\n"
      "tags: [tcgen05, tmem]\nhardware_features: [tcgen05, tmem]\nconfidence: verified\n"
      "evidence_basis: [{source_id: doc-ptx-tcgen05}]\nsources: [doc-ptx-tcgen05, pr-cutlass-500]\n"
      "related: [technique-swizzling, hw-missing-page]\n---\n# tcgen05\n\nSingle-thread issued MMA whose accumulator "
      "lives in a dedicated on-chip store.\n");
  put(kb / "wiki" / "techniques" / "swizzling.md",
      "---\nid: technique-swizzling\ntitle: \"XOR layouts for shared memory\"\ntype: technique\n"
      "architectures: [sm90, sm100]\ntags: [swizzling, tma]\nhardware_features: [tma]\nconfidence: source-reported\n"
      "reproducibility: concept\nsources: [blog-swizzle-notes]\n---\nPermute 16-byte chunks so that the rows of a "
      "tile land in distinct banks.\n");
  put(kb / "wiki" / "kernels" / "bw-gemm.md",
      "---\nid: kernel-bw-gemm\ntitle: \"A Blackwell dense GEMM\"\ntype: kernel\narchitectures: [sm100]\n"
      "tags: [gemm, warp-specialization]\nsources: [pr-cutlass-500]\nperformance_claims:\n"
      "  - {gpu: B200, dtype: bf16, shape: \"8192^3\", metric: TFLOPS, value: 1400, source_id: pr-cutlass-500}\n"
      "---\nCase study body.\n");
  put(kb / "wiki" / "patterns" / "bank-conflicts.md",
      "---\nid: pattern-bank-conflicts\ntitle: \"Serialized shared-memory wavefronts\"\ntype: pattern\n"
      "tags: [swizzling]\nsymptoms: [bank-conflicts, unusual-symptom]\ncandidate_techniques: [technique-swizzling]\n"
      "sources: [blog-swizzle-notes]\n---\nDiagnosis flow body.\n");
  put(kb / "wiki" / "languages" / "triton.md",
      "---\nid: lang-triton\ntitle: \"Triton on new GPUs\"\ntype: language\ntags: [triton]\nsources: [doc-ptx-tcgen05]\n"
      "---\nLanguage guide body.\n");
  put(kb / "wiki" / "migration" / "h-to-b.md",
      "---\nid: migration-h-to-b\ntitle: \"Moving a Hopper GEMM to Blackwell\"\ntype: migration\nfrom_arch: sm90\n"
      "to_arch: sm100\ntags: [tcgen05]\nsources: [doc-ptx-tcgen05]\n---\nMigration body.\n");
  // Rejected upstream: a tag outside the vocabulary, and a Hopper-only page without the field
  // their scope rule asks for. Both still map onto our format.
  put(kb / "wiki" / "techniques" / "bad-tag.md",
      "---\nid: technique-odd\ntitle: \"Odd page\"\ntype: technique\ntags: [not-a-known-tag]\nsources: [blog-swizzle-notes]\n"
      "---\nBody.\n");
  put(kb / "wiki" / "techniques" / "hopper-only.md",
      "---\nid: technique-hopper-only\ntitle: \"Hopper only\"\ntype: technique\narchitectures: [sm90]\ntags: [tma]\n"
      "sources: [blog-swizzle-notes]\n---\nBody.\n");
  // Rejected by both: malformed front matter; a page outside the known directories.
  put(kb / "wiki" / "techniques" / "broken.md", "---\nid: technique-broken\ntags: [unclosed\n---\nBody.\n");
  put(kb / "wiki" / "notes" / "stray.md", "---\nid: stray\ntitle: Stray\n---\nBody.\n");
}

std::set<std::string> ids_of(const std::vector<Hit>& hits) {
  std::set<std::string> s;
  for (auto& h : hits) s.insert(h.id);
  return s;
}

TEST(WikiImport, LoadsAKernelWikiTreeBesideOurEntries) {
  TempDir d("kda-wiki-import");
  fs::path kb = d.path() / "kb", wiki = d.path() / "wiki";
  write_kernelwiki(kb);
  put_local_entry(wiki);

  auto upstream = kernelwiki_page_problems(kb);
  std::set<std::string> rejected;
  for (auto& p : upstream) rejected.insert(fs::relative(p.file, kb).generic_string());
  EXPECT_EQ(rejected, (std::set<std::string>{"wiki/techniques/bad-tag.md", "wiki/techniques/hopper-only.md",
                                             "wiki/techniques/broken.md", "wiki/notes/stray.md"}));

  ImportReport r = import_kernelwiki({kb, wiki, "kernelwiki"});
  EXPECT_EQ(r.found, 14u);
  EXPECT_EQ(r.upstream_accepted, 10u);
  EXPECT_EQ(r.imported_of_accepted, r.upstream_accepted);  // every page the upstream rules accept
  EXPECT_EQ(r.imported, 13u);  // wiki/notes/stray.md is kept as its own kind, "note" (issue 18)
  ASSERT_EQ(r.skipped.size(), 1u);  // only the malformed front matter
  EXPECT_NE(r.skipped[0].message.find("malformed front matter"), std::string::npos);
  EXPECT_TRUE(r.lossy());
  // hw-tcgen05's sources all resolve; none of the pages names an unknown record.
  EXPECT_TRUE(r.unresolved.empty());
  EXPECT_TRUE(load_wiki(wiki).problems.empty()) << [&] {
    std::string s;
    for (auto& p : load_wiki(wiki).problems) s += p.to_string() + "\n";
    return s;
  }();

  Index idx(wiki);
  // Ids live in the namespace; the body is kept unchanged; unknown fields survive under upstream.
  auto pr = idx.get("kernelwiki.pr-cutlass-500");
  ASSERT_TRUE(pr);
  EXPECT_EQ((*pr)["kind"], "source-pr");
  EXPECT_EQ((*pr)["body"], "Pull request record: body kept as written.\n");
  EXPECT_NE((*pr)["upstream_front_matter"].get<std::string>().find("review_notes"), std::string::npos);
  EXPECT_EQ((*pr)["sources"][0]["commit"], "0123abcd4567");
  EXPECT_EQ((*pr)["sources"][0]["pr"], 500);
  // Wiki pages cite the records they list as sources, resolved to repo/PR/URL.
  auto hw = idx.get("kernelwiki.hw-tcgen05");
  ASSERT_TRUE(hw);
  EXPECT_EQ((*hw)["confidence"], "verified");  // a doc and upstream code among the sources
  EXPECT_EQ((*hw)["sources"].size(), 2u);
  EXPECT_EQ((*hw)["links"], Json::array({"kernelwiki.technique-swizzling"}));  // the dangling one dropped
  auto contest = idx.get("kernelwiki.contest-topk-round");
  ASSERT_TRUE(contest);
  EXPECT_EQ((*contest)["sources"][0]["type"], "upstream-page");
  auto mig = idx.get("kernelwiki.migration-h-to-b");
  ASSERT_TRUE(mig);
  EXPECT_EQ((*mig)["architectures"], Json::array({"sm90", "sm100"}));
  auto kernel = idx.get("kernelwiki.kernel-bw-gemm");
  ASSERT_TRUE(kernel);
  EXPECT_EQ((*kernel)["performance_claims"][0]["source"], "https://github.com/NVIDIA/cutlass/pull/500");

  // Their aliases answer searches: UMMA is their alias of tcgen05.
  Query q;
  q.text = "UMMA accumulator";
  EXPECT_TRUE(ids_of(idx.search(q)).count("kernelwiki.hw-tcgen05"));
  // A profiler finding returns our page and theirs side by side.
  Query f;
  f.finding = "shared-bank-conflict";
  f.arch = "sm_90";
  auto found = ids_of(idx.search(f));
  EXPECT_TRUE(found.count("technique-smem-padding"));
  EXPECT_TRUE(found.count("kernelwiki.technique-swizzling"));
  // Their pattern page states no architecture: left out under --arch unless asked for.
  EXPECT_FALSE(found.count("kernelwiki.pattern-bank-conflicts"));
  f.include_unknown_arch = true;
  EXPECT_TRUE(ids_of(idx.search(f)).count("kernelwiki.pattern-bank-conflicts"));
  auto stray = idx.get("kernelwiki.stray");
  ASSERT_TRUE(stray);
  EXPECT_EQ((*stray)["kind"], "note");
  Query ns;
  ns.ns = "kernelwiki";
  ns.kind = "pattern";
  EXPECT_EQ(ids_of(idx.list(ns)), (std::set<std::string>{"kernelwiki.pattern-bank-conflicts"}));
  Query local;
  local.ns = "local";
  EXPECT_EQ(ids_of(idx.list(local)), (std::set<std::string>{"technique-smem-padding"}));

  // Re-import replaces the namespace: a page removed upstream disappears.
  fs::remove(kb / "wiki" / "languages" / "triton.md");
  ImportReport r2 = import_kernelwiki({kb, wiki, "kernelwiki"});
  EXPECT_EQ(r2.imported, 12u);
  Index idx2(wiki);
  EXPECT_FALSE(idx2.get("kernelwiki.lang-triton"));
}

TEST(WikiImport, BadInputGetsAClearErrorAndLeavesTheWikiAlone) {
  TempDir d("kda-wiki-import-bad");
  fs::path wiki = d.path() / "wiki";
  put_local_entry(wiki);
  build_index(wiki);
  std::string before = sha256_file(index_path(wiki));
  auto expect_error = [&](const fs::path& src, ErrorKind kind, const std::string& needle) {
    try {
      import_kernelwiki({src, wiki, "kernelwiki"});
      ADD_FAILURE() << "expected an error for " << src;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), kind);
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_EQ(sha256_file(index_path(wiki)), before);
    EXPECT_FALSE(fs::exists(wiki / "imported" / "kernelwiki"));
  };
  expect_error(d.path() / "nowhere", ErrorKind::kNotFound, "does not exist");
  fs::create_directories(d.path() / "plain");
  put(d.path() / "plain" / "notes.md", "# just notes\n");
  expect_error(d.path() / "plain", ErrorKind::kInput, "not a KernelWiki-format knowledge base");
  fs::path kb = d.path() / "kb";
  write_kernelwiki(kb);
  put(kb / "data" / "tags.yaml", "techniques: [unclosed\n");
  expect_error(kb, ErrorKind::kInput, "tags.yaml: malformed YAML");
  // Two pages with one id: an error naming both, nothing imported (issue 18).
  write_kernelwiki(kb);
  put(kb / "wiki" / "techniques" / "swizzling-copy.md",
      "---\nid: technique-swizzling\ntitle: \"A copy\"\ntype: technique\nsources: [blog-swizzle-notes]\n---\nCopy.\n");
  expect_error(kb, ErrorKind::kInput, "wiki/techniques/swizzling.md: id 'technique-swizzling' is also the id of");
}

// Issue 18, import details: upstream front matter verbatim (a quoted sha stays a string), a
// fork's own page types kept, unresolved source ids reported, hostile pages skipped, a body over
// the size limit cut with a note; our own broken entry no longer blocks the import.
TEST(WikiImport, ForkTypesVerbatimUpstreamUnresolvedSourcesAndHostilePages) {
  TempDir d("kda-wiki-import-details");
  fs::path kb = d.path() / "kb", wiki = d.path() / "wiki";
  put_local_entry(wiki);
  put(wiki / "broken.md", "---\nid: [\n---\n");
  put(kb / "sources" / "prs" / "a" / "PR-7.md",
      "---\nid: pr-a-7\nrepo: acme/a\npr: 7\ntitle: \"Faster copy\"\nurl: https://github.com/acme/a/pull/7\n"
      "merge_sha: '03422621'\nstatus: merged\n---\nRecord.\n");
  put(kb / "sources" / "code" / "tiling.md",
      "---\nid: code-tiling\ntitle: \"Tiling code sample\"\nurl: https://example.com/tiling\n---\nCode page.\n");
  put(kb / "wiki" / "tools" / "profiler.md",
      "---\nid: tool-profiler\ntitle: \"A profiler\"\ntype: tool\nsources: [pr-a-7, no-such-record]\n---\nTool page.\n");
  put(kb / "wiki" / "techniques" / "bad-utf8.md", "---\nid: technique-bad\ntitle: \"x\xff\"\n---\nBody\n");
  put(kb / "wiki" / "techniques" / "binary.md", std::string("---\nid: technique-bin\n\0---\n", 26));
  fs::create_symlink("loop-b.md", kb / "wiki" / "techniques" / "loop-a.md");
  fs::create_symlink("loop-a.md", kb / "wiki" / "techniques" / "loop-b.md");
  {
    std::string body;
    for (int i = 0; i < 30000; ++i) body += "Paragraph " + std::to_string(i) + " about tiling and swizzles.\n\n";
    put(kb / "wiki" / "techniques" / "huge.md",
        "---\nid: technique-huge\ntitle: \"Huge\"\ntype: technique\nsources: [code-tiling]\n---\n" + body);
  }
  ImportReport r = import_kernelwiki({kb, wiki, "kw"});
  std::string skipped;
  for (auto& p : r.skipped) skipped += p.to_string() + "\n";
  EXPECT_EQ(r.skipped.size(), 4u) << skipped;  // bad UTF-8, binary, two looping links
  EXPECT_NE(skipped.find("bad-utf8.md:3: invalid UTF-8"), std::string::npos) << skipped;
  EXPECT_NE(skipped.find("binary.md:3: binary content"), std::string::npos) << skipped;
  EXPECT_NE(skipped.find("loop-a.md"), std::string::npos) << skipped;
  ASSERT_EQ(r.unresolved.size(), 1u);
  EXPECT_NE(r.unresolved[0].message.find("'no-such-record'"), std::string::npos);
  ASSERT_EQ(r.truncated.size(), 1u);
  EXPECT_TRUE(r.lossy());

  Index idx(wiki);
  auto pr = idx.get("kw.pr-a-7");
  ASSERT_TRUE(pr);
  EXPECT_NE((*pr)["upstream_front_matter"].get<std::string>().find("merge_sha: '03422621'"), std::string::npos)
      << (*pr)["upstream_front_matter"];
  // The written file holds it as a string, whatever reads it.
  std::string file = read_file(wiki / "imported" / "kw" / "sources" / "prs" / "a" / "PR-7.md");
  std::string fm = file.substr(4, file.find("\n---\n", 4) - 4);
  YAML::Node written = YAML::Load(fm);
  ASSERT_TRUE(written["upstream"].IsScalar());
  EXPECT_NE(written["upstream"].as<std::string>().find("merge_sha: '03422621'"), std::string::npos);
  EXPECT_EQ(YAML::Load(written["upstream"].as<std::string>())["merge_sha"].as<std::string>(), "03422621");
  auto code = idx.get("kw.code-tiling");
  ASSERT_TRUE(code);
  EXPECT_EQ((*code)["kind"], "source-code");
  auto tool = idx.get("kw.tool-profiler");
  ASSERT_TRUE(tool);
  EXPECT_EQ((*tool)["kind"], "tool");
  EXPECT_EQ((*tool)["sources"][0]["url"], "https://github.com/acme/a/pull/7");
  auto huge = idx.get("kw.technique-huge");
  ASSERT_TRUE(huge);
  EXPECT_LT((*huge)["body"].get<std::string>().size(), kMaxEntryBytes);
  EXPECT_NE((*huge)["body"].get<std::string>().find("cut by the import's size limit"), std::string::npos);
  // Our broken entry is left out with a problem; everything else is searchable.
  EXPECT_FALSE(idx.problems().empty());
  EXPECT_FALSE(idx.search(Query{.text = "profiler"}).empty());
}

// The ROCm dialect: page_types in schemas.yaml, the full type written in each page, architecture
// ids that carry gfx targets, aliases as alias: canonical inside tags.yaml.
TEST(WikiImport, RocmDialect) {
  TempDir d("kda-wiki-import-rocm");
  fs::path kb = d.path() / "kb", wiki = d.path() / "wiki";
  put_local_entry(wiki);
  put(kb / "data" / "tags.yaml",
      "architectures:\n  - {id: cdna3, gfx: [gfx940, gfx942]}\n  - {id: cdna-old, gfx: [gfx900]}\n"
      "hardware_features:\n  lds: {description: on-chip scratchpad}\n"
      "techniques:\n  lds-padding: {description: pad rows}\n"
      "aliases:\n  matrix-core: mfma\n");
  put(kb / "data" / "schemas.yaml",
      "page_types:\n  source-pr:\n    id_prefix: \"pr-\"\n    required_fields: [id, title, type, repo, pr, url]\n"
      "  wiki-technique:\n    id_prefix: \"technique-\"\n    required_fields: [id, title, type, sources]\n");
  put(kb / "sources" / "prs" / "ck" / "pr-ck-9.md",
      "---\nid: pr-ck-9\ntitle: \"Pad LDS tiles in a GEMM\"\ntype: source-pr\nrepo: ROCm/composable_kernel\npr: 9\n"
      "url: https://github.com/ROCm/composable_kernel/pull/9\nmerge_commit: abcdef1234567\narchitectures: [cdna3]\n---\nRecord.\n");
  put(kb / "wiki" / "techniques" / "lds-pad.md",
      "---\nid: technique-lds-padding\ntitle: \"Padding LDS rows\"\ntype: wiki-technique\narchitectures: [cdna3, cdna-old]\n"
      "tags: [lds, matrix-core]\nsources: [pr-ck-9]\nconfidence: source-reported\n---\nAvoid LDS bank conflicts.\n");
  put(kb / "wiki" / "techniques" / "no-sources.md",
      "---\nid: technique-nosrc\ntitle: \"Missing a required field\"\ntype: wiki-technique\n---\nBody.\n");
  auto problems = kernelwiki_page_problems(kb);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("missing required field: sources"), std::string::npos);

  ImportReport r = import_kernelwiki({kb, wiki, "rocmkw"});
  EXPECT_EQ(r.upstream_accepted, 2u);
  EXPECT_EQ(r.imported_of_accepted, 2u);
  Index idx(wiki);
  auto t = idx.get("rocmkw.technique-lds-padding");
  ASSERT_TRUE(t);
  EXPECT_EQ((*t)["architectures"], Json::array({"gfx942"}));  // cdna3 through its gfx targets
  EXPECT_EQ((*t)["sources"][0]["commit"], "abcdef1234567");
  auto tags = (*t)["tags"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(tags.begin(), tags.end(), "cdna-old"), tags.end());  // unknown arch kept searchable
  EXPECT_NE(std::find(tags.begin(), tags.end(), "mfma"), tags.end());      // alias mapped to canonical
  Query f;
  f.finding = "shared-bank-conflict";
  f.arch = "mi300x";
  auto found = ids_of(idx.search(f));
  EXPECT_TRUE(found.count("rocmkw.technique-lds-padding"));
  EXPECT_TRUE(found.count("technique-smem-padding"));
}

// A real KernelWiki checkout (never committed): KDA_KERNELWIKI_DIR=/path/to/KernelWiki.
TEST(WikiImport, RealCheckout) {
  const char* dir = std::getenv("KDA_KERNELWIKI_DIR");
  if (!dir || !*dir) GTEST_SKIP() << "set KDA_KERNELWIKI_DIR to a KernelWiki checkout";
  TempDir d("kda-wiki-import-real");
  fs::path wiki = d.path() / "wiki";
  put_local_entry(wiki);
  ImportReport r = import_kernelwiki({dir, wiki, "kernelwiki"});
  std::cout << "real checkout: " << r.found << " pages, " << r.upstream_accepted << " accepted by the upstream rules, "
            << r.imported << " imported (" << r.imported_of_accepted << " of the accepted), " << r.skipped.size()
            << " skipped, " << static_cast<int>(r.seconds * 1000) << " ms\n";
  for (auto& s : r.skipped) std::cout << "  skipped " << s.to_string() << "\n";
  EXPECT_GT(r.found, 0u);
  EXPECT_EQ(r.imported_of_accepted, r.upstream_accepted);
  Index idx(wiki);
  Query q;
  q.finding = "shared-bank-conflict";
  auto hits = idx.search(q);
  bool theirs = false, ours = false;
  for (auto& h : hits) {
    theirs |= h.id.rfind("kernelwiki.", 0) == 0;
    ours |= h.id == "technique-smem-padding";
  }
  EXPECT_TRUE(ours);
  std::cout << "  --for-finding shared-bank-conflict returns imported pages: " << (theirs ? "yes" : "no") << "\n";
}

}  // namespace
}  // namespace kda::wiki
