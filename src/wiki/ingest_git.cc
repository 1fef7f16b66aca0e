// kda-wiki-git.so: the libgit2 half of the wiki, ingest_git and verify_commits (ingest.h),
// loaded by ingest.cc on first use (wiki/git_plugin.h). It links its own copy of kda::wiki and
// kda::core with their symbols hidden, and returns errors as data across the boundary.
#include <git2.h>

#include <chrono>
#include <cstring>
#include <map>
#include <set>

#include "core/error.h"
#include "core/fs.h"
#include "core/plugin.h"
#include "core/utf8.h"
#include "wiki/entry.h"
#include "wiki/git_plugin.h"
#include "wiki/ingest.h"
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

bool keyword_hit(const std::string& text) {
  static const std::vector<std::string> kw = {
      "wgmma", "tma", "cp.async", "mma", "warp special*", "swizzl*", "fp8", "fp4", "split-k", "splitk",
      "stream-k", "streamk", "persistent", "tcgen05", "umma", "tmem", "mfma", "bank conflict*", "vectoriz*",
      "shared memory", "smem", "lds", "pipelin*", "setmaxnreg", "mbarrier", "perf", "speedup", "faster", "optimiz*"};
  for (auto& k : kw)
    if (contains_word(text, k)) return true;
  return false;
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

IngestStats ingest_with_libgit2(const IngestOptions& opts) {
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

std::vector<Problem> verify_with_libgit2(const std::vector<Entry>& entries, const std::map<std::string, fs::path>& repos) {
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

// Every exception stops here: the host throws it again as its own kda::Error.
template <typename F>
void guarded(PluginError& err, F&& f) {
  try {
    f();
  } catch (const Error& e) {
    err = {static_cast<int>(e.kind()), e.what()};
  } catch (const std::exception& e) {
    err = {static_cast<int>(ErrorKind::kInternal), std::string("kda-wiki-git: ") + e.what()};
  } catch (...) {
    err = {static_cast<int>(ErrorKind::kInternal), "kda-wiki-git: unknown exception"};
  }
}

void ingest_entry(const IngestOptions& opts, IngestStats& st, PluginError& err) {
  guarded(err, [&] { st = ingest_with_libgit2(opts); });
}

void verify_entry(const std::vector<Entry>& entries, const std::map<std::string, fs::path>& repos,
                  std::vector<Problem>& out, PluginError& err) {
  guarded(err, [&] { out = verify_with_libgit2(entries, repos); });
}

}  // namespace
}  // namespace kda::wiki

extern "C" __attribute__((visibility("default"))) const kda::wiki::GitPlugin* kda_wiki_git_plugin() {
  static const kda::wiki::GitPlugin table = {kda::wiki::kGitPluginAbi, kda::wiki::git_plugin_layout(),
                                             kda::wiki::ingest_entry, kda::wiki::verify_entry};
  return &table;
}
