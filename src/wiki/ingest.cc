#include "wiki/ingest.h"

#include <git2.h>

#include <chrono>
#include <cstring>
#include <map>
#include <regex>
#include <set>

#include "core/error.h"
#include "core/fs.h"
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
                                                "/kernels/", "kernels/"};
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

// keyword (lower case, found in message or paths) -> technique / kernel type / arch tags
struct Tag {
  const char* needle;
  const char* technique;
  const char* kernel_type;
  const char* arch;
};
const std::vector<Tag>& tags() {
  static const std::vector<Tag> t = {
      {"wgmma", "wgmma", "", "sm90"},          {"tma", "tma", "", ""},
      {"multicast", "tma-multicast", "", ""},  {"cp.async", "cp-async", "", ""},
      {"mbarrier", "mbarrier", "", ""},        {"warp special", "warp-specialization", "", ""},
      {"warp-special", "warp-specialization", "", ""}, {"warpspecial", "warp-specialization", "", ""},
      {"pingpong", "ping-pong", "", ""},       {"ping-pong", "ping-pong", "", ""},
      {"swizzle", "swizzle", "", ""},          {"bank conflict", "padding", "", ""},
      {"fp8", "fp8", "", ""},                  {"fp4", "fp4", "", ""},
      {"nvfp4", "fp4", "", "sm100"},           {"mxfp", "block-scaling", "", ""},
      {"split-k", "split-k", "gemm", ""},      {"splitk", "split-k", "gemm", ""},
      {"split_k", "split-k", "gemm", ""},      {"stream-k", "stream-k", "gemm", ""},
      {"streamk", "stream-k", "gemm", ""},     {"split-kv", "split-kv", "attention", ""},
      {"split_kv", "split-kv", "attention", ""}, {"persistent", "persistent-kernel", "", ""},
      {"tcgen05", "tcgen05", "", "sm100"},     {"umma", "tcgen05", "", "sm100"},
      {"tmem", "tmem", "", "sm100"},           {"2cta", "tcgen05", "", "sm100"},
      {"mfma", "mfma", "", "gfx942"},          {"setmaxnreg", "register-reallocation", "", "sm90"},
      {"vectoriz", "vectorized-loads", "", ""}, {"fused", "operator-fusion", "", ""},
      {"fuse ", "operator-fusion", "", ""},    {"cuda graph", "cuda-graphs", "", ""},
      {"radix", "radix-select", "topk", ""},   {"top-k", "", "topk", ""},
      {"topk", "", "topk", ""},                {"top_k", "", "topk", ""},
      {"sampling", "", "sampling", ""},        {"attention", "", "attention", ""},
      {"fmha", "", "attention", ""},           {"mla", "", "attention", ""},
      {"decode", "", "decode", ""},            {"prefill", "", "prefill", ""},
      {"gemm", "", "gemm", ""},                {"matmul", "", "gemm", ""},
      {"moe", "", "moe", ""},                  {"grouped", "grouped-gemm", "", ""},
      {"rmsnorm", "", "rmsnorm", ""},          {"rms_norm", "", "rmsnorm", ""},
      {"layernorm", "", "normalization", ""},  {"softmax", "", "softmax", ""},
      {"gdn", "", "gated-delta-net", ""},      {"delta_rule", "", "gated-delta-net", ""},
      {"sm90", "", "", "sm90"},                {"sm_90", "", "", "sm90"},
      {"hopper", "", "", "sm90"},              {"h100", "", "", "sm90"},
      {"sm100", "", "", "sm100"},              {"sm_100", "", "", "sm100"},
      {"blackwell", "", "", "sm100"},          {"b200", "", "", "sm100"},
      {"sm120", "", "", "sm120"},              {"sm_120", "", "", "sm120"},
      {"sm80", "", "", "sm80"},                {"ampere", "", "", "sm80"},
      {"gfx942", "", "", "gfx942"},            {"mi300", "", "", "gfx942"},
      {"gfx950", "", "", "gfx950"},            {"mi355", "", "", "gfx950"},
  };
  return t;
}

bool keyword_hit(const std::string& text) {
  static const std::vector<std::string> kw = {
      "wgmma", "tma", "cp.async", "mma", "warp special", "swizzle", "fp8", "fp4", "split-k", "splitk",
      "stream-k", "streamk", "persistent", "tcgen05", "umma", "tmem", "mfma", "bank conflict", "vectoriz",
      "shared memory", "smem", "pipelin", "setmaxnreg", "mbarrier", "perf:", "speedup", "faster", "optimiz"};
  for (auto& k : kw)
    if (text.find(k) != std::string::npos) return true;
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
    bool relevant_path = false, any_code = false;
    size_t n = git_diff_num_deltas(diff.p);
    for (size_t i = 0; i < n; ++i) {
      const git_diff_delta* d = git_diff_get_delta(diff.p, i);
      std::string p = d->new_file.path ? d->new_file.path : (d->old_file.path ? d->old_file.path : "");
      files.push_back(p);
      relevant_path |= kernel_path(p);
      any_code |= code_path(p);
    }
    const char* msg_c = git_commit_message(commit.p);
    std::string message = msg_c ? msg_c : "";
    std::string lmsg = lower(message);
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
    e.title = subject.size() > 160 ? subject.substr(0, 160) : subject;
    if (e.title.empty()) e.title = "commit " + short_sha;
    std::string haystack = lmsg;
    for (auto& f : files) haystack += " " + lower(f);
    for (auto& t : tags()) {
      if (haystack.find(t.needle) == std::string::npos) continue;
      add_unique(e.techniques, t.technique);
      add_unique(e.kernel_types, t.kernel_type);
      add_unique(e.architectures, t.arch);
    }
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
    e.summary = "Draft (machine-ingested, not yet summarised): " + e.title;
    std::string body = "\n# " + e.title + "\n\n" + e.summary + "\n\n## Machine metadata\n\n";
    body += "- commit: " + std::string(sha) + " (" + s.date + ")\n";
    if (pr > 0) body += "- pull request: #" + std::to_string(pr) + "\n";
    body += "- diff: " + std::to_string(files.size()) + " files, +" + std::to_string(ins) + " -" + std::to_string(del) + "\n";
    std::string tech;
    for (auto& t : e.techniques) tech += (tech.empty() ? "" : ", ") + t;
    body += "- techniques detected: " + (tech.empty() ? std::string("none") : tech) + "\n";
    body += "- files:\n";
    size_t shown = 0;
    for (auto& f : files) {
      if (!kernel_path(f) && files.size() > 20) continue;
      if (++shown > 30) {
        body += "  - ... (" + std::to_string(files.size() - 30) + " more)\n";
        break;
      }
      body += "  - `" + f + "`\n";
    }
    if (opts.include_message) body += "\n## Commit message\n\n```text\n" + message + "\n```\n";
    body += "\n## Summary\n\nTODO: what changed, why it is faster, on which hardware, with which numbers.\n";
    e.body = body;
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
