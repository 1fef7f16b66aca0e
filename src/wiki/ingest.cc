#include "wiki/ingest.h"

#include <git2.h>

#include <chrono>
#include <cstring>
#include <map>
#include <regex>
#include <set>

#include "core/error.h"
#include "core/fs.h"
#include "core/utf8.h"
#include "wiki/entry.h"
#include "wiki/vocab.h"

namespace kda::wiki {
namespace fs = std::filesystem;

namespace {

struct Lib {
  Lib() { git_libgit2_init(); }
  ~Lib() { git_libgit2_shutdown(); }
};

std::string git_err() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

template <typename T, void (*Free)(T*)>
struct Ptr {
  T* p = nullptr;
  ~Ptr() {
    if (p) Free(p);
  }
};

// Paths that hold kernels: device-code extensions anywhere, or sources under kernel directories.
bool kernel_path(const std::string& p) {
  static const std::vector<std::string> exts = {".cu", ".cuh", ".hip", ".ptx", ".cl"};
  static const std::vector<std::string> dirs = {"csrc/", "include/cutlass/", "include/cute/", "deep_gemm/include/",
                                                "/kernels/", "kernels/", "include/ck/", "include/ck_tile/",
                                                "library/src/tensor_operation", "aiter/ops/", "hsa/"};
  std::string ext = fs::path(p).extension().string();
  if (std::find(exts.begin(), exts.end(), ext) != exts.end()) return true;
  bool code = ext == ".h" || ext == ".hpp" || ext == ".cc" || ext == ".cpp" || ext == ".py" || ext == ".inl";
  if (!code) return false;
  for (auto& m : dirs)
    if (p.rfind(m, 0) == 0 || (m[0] == '/' && p.find(m) != std::string::npos)) return true;
  return false;
}

bool code_path(const std::string& p) {
  std::string ext = fs::path(p).extension().string();
  return ext == ".h" || ext == ".hpp" || ext == ".cc" || ext == ".cpp" || ext == ".py" || ext == ".inl";
}

struct Tag {
  const char* needle;
  const char* technique;
  const char* kernel_type;
  const char* arch;
};

// keyword (lower case, found in message or paths) -> technique / kernel type / arch tags. A
// keyword matches as a whole word (issue 18: "umma" inside "summary" tagged 490 FlashInfer drafts
// tcgen05, "tma" inside "softmax" gave tma); a trailing '*' lets it match as a word's start
// ("vectoriz*": vectorize, vectorized, vectorization).
const std::vector<Tag>& tags() {
  static const std::vector<Tag> t = {
      {"wgmma", "wgmma", "", "sm90"},          {"tma", "tma", "", ""},
      {"multicast", "tma-multicast", "", ""},  {"cp.async", "cp-async", "", ""},
      {"mbarrier", "mbarrier", "", ""},        {"warp special*", "warp-specialization", "", ""},
      {"warp-special*", "warp-specialization", "", ""}, {"warpspecial*", "warp-specialization", "", ""},
      {"pingpong", "ping-pong", "", ""},       {"ping-pong", "ping-pong", "", ""},
      {"swizzl*", "swizzle", "", ""},          {"bank conflict*", "padding", "", ""},
      {"fp8", "fp8", "", ""},                  {"fp4", "fp4", "", ""},
      {"nvfp4", "fp4", "", "sm100"},           {"mxfp*", "block-scaling", "", ""},
      {"split-k", "split-k", "gemm", ""},      {"splitk", "split-k", "gemm", ""},
      {"split_k", "split-k", "gemm", ""},      {"stream-k", "stream-k", "gemm", ""},
      {"streamk", "stream-k", "gemm", ""},     {"split-kv", "split-kv", "attention", ""},
      {"split_kv", "split-kv", "attention", ""}, {"persistent", "persistent-kernel", "", ""},
      {"tcgen05", "tcgen05", "", "sm100"},     {"umma", "tcgen05", "", "sm100"},
      {"tmem", "tmem", "", "sm100"},           {"2cta", "tcgen05", "", "sm100"},
      {"mfma", "mfma", "", "gfx942"},          {"xdlops", "mfma", "", ""},
      {"setmaxnreg", "register-reallocation", "", "sm90"},
      {"vectoriz*", "vectorized-loads", "", ""}, {"fused", "operator-fusion", "", ""},
      {"fuse", "operator-fusion", "", ""},     {"fusion", "operator-fusion", "", ""},
      {"cuda graph*", "cuda-graphs", "", ""},
      {"radix", "radix-select", "topk", ""},   {"top-k", "", "topk", ""},
      {"topk", "", "topk", ""},                {"top_k", "", "topk", ""},
      {"sampling", "", "sampling", ""},        {"attention", "", "attention", ""},
      {"fmha", "", "attention", ""},           {"mla", "", "attention", ""},
      {"decode", "", "decode", ""},            {"decoding", "", "decode", ""},
      {"prefill", "", "prefill", ""},
      {"gemm*", "", "gemm", ""},               {"matmul", "", "gemm", ""},
      {"moe", "", "moe", ""},                  {"grouped", "grouped-gemm", "", ""},
      {"rmsnorm", "", "rmsnorm", ""},          {"rms_norm", "", "rmsnorm", ""},
      {"layernorm", "", "normalization", ""},  {"softmax", "", "softmax", ""},
      {"gdn", "", "gated-delta-net", ""},      {"delta_rule", "", "gated-delta-net", ""},
      {"sm90", "", "", "sm90"},                {"sm90a", "", "", "sm90"},
      {"sm_90", "", "", "sm90"},               {"sm_90a", "", "", "sm90"},
      {"hopper", "", "", "sm90"},              {"h100", "", "", "sm90"},
      {"sm100", "", "", "sm100"},              {"sm100a", "", "", "sm100"},
      {"sm_100", "", "", "sm100"},             {"sm_100a", "", "", "sm100"},
      {"blackwell", "", "", "sm100"},          {"b200", "", "", "sm100"},
      {"sm120", "", "", "sm120"},              {"sm120a", "", "", "sm120"},
      {"sm_120", "", "", "sm120"},             {"sm_120a", "", "", "sm120"},
      {"sm80", "", "", "sm80"},                {"ampere", "", "", "sm80"},
      {"gfx942", "", "", "gfx942"},            {"mi300*", "", "", "gfx942"},
      {"mi325*", "", "", "gfx942"},            {"cdna3", "", "", "gfx942"},
      {"gfx950", "", "", "gfx950"},            {"mi355*", "", "", "gfx950"},
      {"mi350*", "", "", "gfx950"},            {"cdna4", "", "", "gfx950"},
      {"mi35x", "", "", "gfx950"},             {"mi30x", "", "", "gfx942"},
      {"gfx90a", "", "", "gfx90a"},            {"mi250*", "", "", "gfx90a"},
  };
  return t;
}

bool keyword_hit(const std::string& text) {
  static const std::vector<std::string> kw = {
      "wgmma", "tma", "cp.async", "mma", "warp special*", "swizzl*", "fp8", "fp4", "split-k", "splitk",
      "stream-k", "streamk", "persistent", "tcgen05", "umma", "tmem", "mfma", "bank conflict*", "vectoriz*",
      "shared memory", "smem", "lds", "pipelin*", "setmaxnreg", "mbarrier", "perf", "speedup", "faster", "optimiz*"};
  for (auto& k : kw)
    if (contains_word(text, k)) return true;
  return false;
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

std::string slug(const std::string& repo) {
  std::string name = repo.substr(repo.find('/') + 1);
  std::string out;
  for (char c : lower(name)) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return out;
}

std::string iso_date(git_time_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace

bool contains_word(std::string_view text, std::string_view needle) {
  bool prefix = !needle.empty() && needle.back() == '*';
  if (prefix) needle.remove_suffix(1);
  if (needle.empty()) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (size_t pos = text.find(needle); pos != std::string_view::npos; pos = text.find(needle, pos + 1)) {
    bool left = pos == 0 || !word(text[pos - 1]) || !word(needle.front());
    size_t end = pos + needle.size();
    bool right = prefix || end >= text.size() || !word(text[end]) || !word(needle.back());
    if (left && right) return true;
  }
  return false;
}

DetectedTags detect_tags(const std::string& lower_text) {
  DetectedTags d;
  for (auto& t : tags()) {
    if (!contains_word(lower_text, t.needle)) continue;
    add_unique(d.techniques, t.technique);
    add_unique(d.kernel_types, t.kernel_type);
    add_unique(d.architectures, t.arch);
  }
  return d;
}

std::vector<std::string> technique_keywords(const std::string& technique) {
  std::vector<std::string> out;
  for (auto& t : tags())
    if (technique == t.technique) out.push_back(t.needle);
  return out;
}

CommitText read_commit_text(const std::string& message) {
  CommitText c;
  std::string msg = valid_utf8(message);
  size_t nl = msg.find('\n');
  c.subject = msg.substr(0, nl);
  while (!c.subject.empty() && std::isspace(static_cast<unsigned char>(c.subject.back()))) c.subject.pop_back();
  std::string rest = nl == std::string::npos ? "" : msg.substr(nl + 1);
  // The description: lines that say something, without trailers, PR-template boilerplate,
  // HTML comments, headings and checklists.
  bool in_comment = false;
  std::string para;
  std::vector<std::string> paras;
  size_t pos = 0;
  while (pos <= rest.size()) {
    size_t eol = rest.find('\n', pos);
    std::string line = rest.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    pos = eol == std::string::npos ? rest.size() + 1 : eol + 1;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    size_t lead = line.find_first_not_of(" \t");
    std::string t = lead == std::string::npos ? "" : line.substr(lead);
    if (t.find("<!--") != std::string::npos) in_comment = t.find("-->") == std::string::npos;
    else if (in_comment) {
      if (t.find("-->") != std::string::npos) in_comment = false;
      continue;
    }
    std::string lt = lower(t);
    bool boiler = t.empty() || t[0] == '#' || t.rfind("- [", 0) == 0 || t.rfind("* [", 0) == 0 || t.rfind("<", 0) == 0 ||
                  t.rfind("|", 0) == 0 || t.rfind("```", 0) == 0 || lt.rfind("signed-off-by:", 0) == 0 ||
                  lt.rfind("co-authored-by:", 0) == 0 || lt.rfind("reviewed-by:", 0) == 0 ||
                  lt.rfind("pull request resolved:", 0) == 0 || lt.rfind("closes #", 0) == 0 ||
                  lt.rfind("fixes #", 0) == 0 || lt.rfind("cc @", 0) == 0 || t.find("-->") != std::string::npos ||
                  std::none_of(t.begin(), t.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)); }) ||
                  lt == "n/a" || lt == "none" || lt.rfind("please ", 0) == 0 || lt.find("thank you for") != std::string::npos;
    if (boiler) {
      if (!para.empty()) paras.push_back(para);
      para.clear();
      continue;
    }
    if (t.rfind("- ", 0) == 0 || t.rfind("* ", 0) == 0) t = t.substr(2);
    para += (para.empty() ? "" : " ") + t;
  }
  if (!para.empty()) paras.push_back(para);
  for (auto& p : paras) {
    if (c.description.size() > 3000) {
      c.description_cut = true;
      break;
    }
    c.description += (c.description.empty() ? "" : "\n\n") + p;
  }
  if (c.description.size() > 3000) {
    size_t cut = 3000;
    while (cut > 0 && (static_cast<unsigned char>(c.description[cut]) & 0xC0) == 0x80) --cut;
    c.description.resize(cut);
    c.description_cut = true;
  }
  // Benchmark figures: "1.7x", "35%", "120 us", "900 TFLOPS", "3.2 TB/s" in the whole message.
  static const std::regex fig(R"((^|[^A-Za-z0-9.])([0-9]+(\.[0-9]+)?[ ]?(x|×|%|us|µs|ms|tflops|gflops|tb/s|gb/s))(?![A-Za-z0-9]))",
                              std::regex::icase);
  for (auto it = std::sregex_iterator(msg.begin(), msg.end(), fig); it != std::sregex_iterator(); ++it) {
    std::string f = (*it)[2].str();
    if (std::find(c.figures.begin(), c.figures.end(), f) == c.figures.end() && c.figures.size() < 8) c.figures.push_back(f);
  }
  return c;
}

long pr_from_message(const std::string& message) {
  static const std::regex merge(R"(Merge pull request #([0-9]+))");
  static const std::regex squash(R"(\(#([0-9]+)\))");
  std::smatch m;
  std::string first = message.substr(0, message.find('\n'));
  if (std::regex_search(first, m, merge)) return std::stol(m[1]);
  if (std::regex_search(first, m, squash)) return std::stol(m[1]);
  return -1;
}

std::string repo_from_url(const std::string& url) {
  static const std::regex re(R"(github\.com[:/]([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(\.git)?/?$)");
  std::smatch m;
  if (std::regex_search(url, m, re)) return m[1].str() + "/" + m[2].str();
  return "";
}

IngestStats ingest_git(const IngestOptions& opts) {
  auto t0 = std::chrono::steady_clock::now();
  Lib lib;
  IngestStats st;
  Ptr<git_repository, git_repository_free> repo;
  if (!fs::exists(opts.repo_path))
    fail(ErrorKind::kNotFound, "ingest-git: " + opts.repo_path.string() + " does not exist");
  if (git_repository_open_ext(&repo.p, opts.repo_path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0)
    fail(ErrorKind::kInput, "ingest-git: " + opts.repo_path.string() + " is not a git repository (" + git_err() + ")");
  if (git_repository_is_shallow(repo.p) == 1)
    fail(ErrorKind::kInput, "ingest-git: " + opts.repo_path.string() +
                                " is a shallow clone, so its history is incomplete; fetch the full history "
                                "(git fetch --unshallow) or use a mirror clone");
  std::string name = opts.repo_name;
  if (name.empty()) {
    Ptr<git_remote, git_remote_free> remote;
    if (git_remote_lookup(&remote.p, repo.p, "origin") == 0 && git_remote_url(remote.p))
      name = repo_from_url(git_remote_url(remote.p));
    if (name.empty())
      fail(ErrorKind::kUsage, "ingest-git: cannot tell the GitHub repository of " + opts.repo_path.string() +
                                  " from its 'origin' remote; pass --repo owner/name");
  }
  if (name.find('/') == std::string::npos) fail(ErrorKind::kUsage, "ingest-git: --repo must be owner/name, got '" + name + "'");

  Ptr<git_revwalk, git_revwalk_free> walk;
  if (git_revwalk_new(&walk.p, repo.p) != 0) fail(ErrorKind::kInput, "ingest-git: " + git_err());
  git_revwalk_sorting(walk.p, GIT_SORT_TIME);
  if (git_revwalk_push_head(walk.p) != 0)
    fail(ErrorKind::kInput, "ingest-git: cannot read HEAD of " + opts.repo_path.string() + ": " + git_err());

  std::time_t now = opts.now ? opts.now : std::time(nullptr);
  std::time_t cutoff = now - static_cast<std::time_t>(opts.months) * 30 * 24 * 3600;
  std::string repo_slug = slug(name);
  st.out_dir = opts.wiki_dir / "ingested" / repo_slug;
  // Read everything first, write afterwards: an object that cannot be read deep in the history
  // (a corrupt or partial repository) must fail the run before a single draft lands in the wiki,
  // where the next search would index it (docs/wiki.md).
  struct Draft {
    fs::path out;
    std::string text;
  };
  std::vector<Draft> drafts;
  std::set<long> seen_prs;
  // PRs the wiki already records (a curated summary, an imported KB's record): a draft of the
  // same PR links to it, and the index leaves the draft out of search (issue 18).
  std::map<std::string, std::string> recorded;  // "owner/name#pr" -> id
  if (fs::is_directory(opts.wiki_dir)) {
    for (auto& x : load_wiki(opts.wiki_dir).entries) {
      if (x.draft || x.kind != "source-pr") continue;
      for (auto& src : x.sources)
        if (src.type == "code" && src.pr && !src.repo.empty())
          recorded.emplace(lower(src.repo) + "#" + std::to_string(*src.pr), x.id);
    }
  }
  git_oid oid;
  int rc;
  while ((rc = git_revwalk_next(&oid, walk.p)) == 0) {
    Ptr<git_commit, git_commit_free> commit;
    char sha[GIT_OID_HEXSZ + 1];
    git_oid_tostr(sha, sizeof sha, &oid);
    if (git_commit_lookup(&commit.p, repo.p, &oid) != 0)
      fail(ErrorKind::kInput, std::string("ingest-git: cannot read commit ") + sha + " (corrupt repository?): " + git_err());
    git_time_t when = git_commit_time(commit.p);
    if (when < cutoff) break;
    ++st.scanned;
    if (opts.progress && st.scanned % 256 == 0) opts.progress(st.scanned, drafts.size());

    Ptr<git_tree, git_tree_free> tree, parent_tree;
    if (git_commit_tree(&tree.p, commit.p) != 0)
      fail(ErrorKind::kInput, std::string("ingest-git: cannot read the tree of ") + sha + " (corrupt repository?): " + git_err());
    if (git_commit_parentcount(commit.p) > 0) {
      Ptr<git_commit, git_commit_free> parent;
      if (git_commit_parent(&parent.p, commit.p, 0) != 0 || git_commit_tree(&parent_tree.p, parent.p) != 0)
        fail(ErrorKind::kInput, std::string("ingest-git: cannot read the parent of ") + sha + " (corrupt repository?): " + git_err());
    }
    Ptr<git_diff, git_diff_free> diff;
    if (git_diff_tree_to_tree(&diff.p, repo.p, parent_tree.p, tree.p, nullptr) != 0)
      fail(ErrorKind::kInput, std::string("ingest-git: cannot diff ") + sha + " (corrupt repository?): " + git_err());
    std::vector<std::string> files;
    bool relevant_path = false, any_code = false, in_paths = opts.paths.empty();
    size_t n = git_diff_num_deltas(diff.p);
    for (size_t i = 0; i < n; ++i) {
      const git_diff_delta* d = git_diff_get_delta(diff.p, i);
      std::string p = d->new_file.path ? d->new_file.path : (d->old_file.path ? d->old_file.path : "");
      files.push_back(p);
      bool under = false;
      for (auto& pre : opts.paths) under |= p.rfind(pre, 0) == 0;
      in_paths |= under;
      relevant_path |= kernel_path(p) || (under && (code_path(p) || p.size() > 3));
      any_code |= code_path(p);
    }
    if (!in_paths) continue;
    const char* msg_c = git_commit_message(commit.p);
    std::string message = msg_c ? msg_c : "";
    std::string subject = message.substr(0, message.find('\n'));
    // Kernel sources touched, or a performance keyword in the subject of a commit that touches code.
    if (!relevant_path && !(any_code && keyword_hit(lower(subject)))) continue;
    ++st.selected;

    long pr = pr_from_message(message);
    if (pr > 0 && !seen_prs.insert(pr).second) {
      ++st.duplicate_pr;
      continue;
    }
    std::string short_sha = std::string(sha).substr(0, 12);
    Entry e;
    e.id = "pr-" + repo_slug + "-" + (pr > 0 ? std::to_string(pr) : short_sha);
    fs::path out = st.out_dir / (e.id + ".md");
    if (fs::exists(out)) {
      ++st.existing;
      continue;
    }
    e.kind = "source-pr";
    e.draft = true;
    e.confidence = "inferred";
    e.reproducibility = "code-pointer";
    CommitText ct = read_commit_text(message);
    e.title = ct.subject.size() > 160 ? ct.subject.substr(0, 160) : ct.subject;
    while (!e.title.empty() && (static_cast<unsigned char>(e.title.back()) & 0xC0) == 0x80) e.title.pop_back();
    if (!e.title.empty() && (static_cast<unsigned char>(e.title.back()) & 0x80)) e.title.pop_back();
    if (e.title.empty()) e.title = "commit " + short_sha;
    // Tags from what the draft shows: subject, description and the files it lists.
    std::vector<std::string> listed;
    for (auto& f : files)
      if ((kernel_path(f) || files.size() <= 20) && listed.size() < 30) listed.push_back(f);
    std::string haystack = lower(ct.subject + "\n" + ct.description);
    for (auto& f : listed) haystack += " " + lower(f);
    DetectedTags dt = detect_tags(haystack);
    e.techniques = dt.techniques;
    e.kernel_types = dt.kernel_types;
    e.architectures = dt.architectures;
    // Line counts read blobs: a missing blob is a corrupt repository, not "+0 -0".
    git_diff_stats* stats = nullptr;
    if (git_diff_get_stats(&stats, diff.p) != 0)
      fail(ErrorKind::kInput, std::string("ingest-git: cannot read the changes of ") + sha + " (corrupt repository?): " + git_err());
    size_t ins = git_diff_stats_insertions(stats), del = git_diff_stats_deletions(stats);
    git_diff_stats_free(stats);
    Source s;
    s.repo = name;
    if (pr > 0) s.pr = pr;
    s.commit = sha;
    s.url = pr > 0 ? "https://github.com/" + name + "/pull/" + std::to_string(pr)
                   : "https://github.com/" + name + "/commit/" + sha;
    s.date = iso_date(when);
    e.sources.push_back(s);
    // The summary says what the history says (issue 18: 635 drafts shipped "TODO"): the subject,
    // the description's first sentences, the size and place of the change, figures quoted.
    std::map<std::string, size_t> dirs;
    for (auto& f : files) ++dirs[f.substr(0, f.find('/') == std::string::npos ? 0 : f.find('/'))];
    std::string top;
    size_t top_n = 0;
    for (auto& [dname, cnt] : dirs)
      if (!dname.empty() && cnt > top_n) top = dname, top_n = cnt;
    std::string sum = e.title;
    if (!sum.empty() && std::string(".!?").find(sum.back()) == std::string::npos) sum += ".";
    if (!ct.description.empty()) {
      std::string first = ct.description.substr(0, ct.description.find("\n\n"));
      if (first.size() > 280) {
        size_t cut = first.rfind(' ', 280);
        first = first.substr(0, cut == std::string::npos ? 280 : cut);
        while (!first.empty() && (static_cast<unsigned char>(first.back()) & 0x80)) first.pop_back();
        first += " ...";
      }
      sum += " " + first;
      if (std::string(".!?").find(sum.back()) == std::string::npos) sum += ".";
    }
    sum += " Changes " + std::to_string(files.size()) + (files.size() == 1 ? " file" : " files") + " (+" +
           std::to_string(ins) + " -" + std::to_string(del) + ")" +
           (top_n * 2 > files.size() && !top.empty() ? ", mostly under " + top + "/" : std::string()) + ".";
    if (!ct.figures.empty()) {
      std::string figs;
      for (auto& f : ct.figures) figs += (figs.empty() ? "" : ", ") + f;
      sum += " Figures in the message: " + figs + ".";
    }
    e.summary = sum;
    std::string body = "\n# " + e.title + "\n\n" + e.summary + "\n\n";
    if (auto it = recorded.find(lower(name) + "#" + std::to_string(pr)); pr > 0 && it != recorded.end()) {
      e.links.push_back(it->second);
      body += "The same pull request is also recorded by `" + it->second + "`.\n\n";
    }
    if (!ct.description.empty())
      body += "## What the history says\n\n" + ct.description + (ct.description_cut ? " ..." : "") + "\n\n";
    body += "## Machine metadata\n\n";
    body += "- commit: " + std::string(sha) + " (" + s.date + ")\n";
    if (pr > 0) body += "- pull request: #" + std::to_string(pr) + "\n";
    body += "- diff: " + std::to_string(files.size()) + " files, +" + std::to_string(ins) + " -" + std::to_string(del) + "\n";
    std::string tech;
    for (auto& t : e.techniques) tech += (tech.empty() ? "" : ", ") + t;
    body += "- techniques detected: " + (tech.empty() ? std::string("none") : tech) + "\n";
    body += "- files:\n";
    for (auto& f : listed) body += "  - `" + valid_utf8(f) + "`\n";
    if (listed.size() < files.size()) body += "  - ... (" + std::to_string(files.size() - listed.size()) + " more)\n";
    if (opts.include_message) body += "\n## Commit message\n\n```text\n" + valid_utf8(message) + "\n```\n";
    e.title = valid_utf8(e.title);
    e.summary = valid_utf8(e.summary);
    e.body = valid_utf8(body);
    drafts.push_back({out, render_entry(e)});
  }
  if (rc != GIT_ITEROVER && rc != 0)
    fail(ErrorKind::kInput, "ingest-git: walking the history of " + opts.repo_path.string() +
                                " failed (corrupt repository?): " + git_err());
  // The whole walk succeeded: now write. Each draft is written atomically (temp file + rename), so
  // an interrupted write leaves whole drafts only, and a rerun skips those already present.
  for (const auto& d : drafts) {
    write_file_atomic(d.out, d.text);
    ++st.written;
  }
  if (opts.progress) opts.progress(st.scanned, st.written);
  st.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return st;
}

std::vector<Problem> verify_commits(const std::vector<Entry>& entries, const std::map<std::string, fs::path>& repos) {
  Lib lib;
  std::vector<Problem> out;
  std::map<std::string, git_repository*> open;
  std::map<std::string, fs::path> paths;
  std::map<std::string, std::string> names;    // lower-case key -> the owner/name given
  std::map<std::string, size_t> unverifiable;  // shallow clones: cited commits not found in them
  struct Closer {
    std::map<std::string, git_repository*>& m;
    ~Closer() {
      for (auto& [k, r] : m) git_repository_free(r);
    }
  } closer{open};
  for (auto& [name, path] : repos) {
    git_repository* r = nullptr;
    if (git_repository_open_ext(&r, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0)
      fail(ErrorKind::kInput, "check --git " + name + "=" + path.string() + ": not a git repository (" + git_err() + ")");
    open[lower(name)] = r;
    paths[lower(name)] = path;
    names[lower(name)] = name;
    if (git_repository_is_shallow(r) == 1) unverifiable[lower(name)] = 0;
  }
  for (auto& e : entries) {
    for (auto& s : e.sources) {
      if (s.type != "code" || s.commit.empty()) continue;
      auto it = open.find(lower(s.repo));
      if (it == open.end()) continue;
      git_oid oid;
      Ptr<git_object, git_object_free> obj;
      int rc = git_oid_fromstrn(&oid, s.commit.c_str(), s.commit.size());
      if (rc == 0) rc = git_object_lookup_prefix(&obj.p, it->second, &oid, s.commit.size(), GIT_OBJECT_COMMIT);
      if (rc == GIT_EAMBIGUOUS)
        out.push_back({e.path, 0, "commit " + s.commit + " is ambiguous in " + s.repo + "; cite more hex digits"});
      else if (rc != 0 && unverifiable.count(it->first))
        ++unverifiable[it->first];  // older than the shallow boundary, or really absent: unknowable
      else if (rc != 0)
        out.push_back({e.path, 0, "commit " + s.commit + " cited for " + s.repo + " is not in " + paths[it->first].string()});
    }
  }
  // A shallow clone lacks the history before its boundary, so a commit it does not have proves
  // nothing: one problem for the clone instead of one per cited commit.
  for (const auto& [key, n] : unverifiable)
    if (n > 0)
      out.push_back({paths[key], 0,
                     "is a shallow clone of " + names[key] + ", so " + std::to_string(n) +
                         " cited commit(s) not in it could not be verified; fetch the full history "
                         "(git fetch --unshallow) or pass a mirror clone (git clone --mirror)"});
  return out;
}

}  // namespace kda::wiki
