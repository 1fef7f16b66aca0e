// kda wiki check|index|search|show|list|stats|add|import|ingest-git: the offline knowledge base (DESIGN §6,
// docs/wiki.md). The Markdown entries under the wiki directory are the source of truth; the
// SQLite index under WIKI/.index/ is a cache rebuilt from them.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <iostream>
#include <memory>

#include <unistd.h>

#include "cli/commands.h"
#include "cli/ranges.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/json_io.h"
#include "core/utf8.h"
#include "wiki/entry.h"
#include "wiki/import.h"
#include "wiki/index.h"
#include "wiki/ingest.h"
#include "wiki/vocab.h"

namespace kda::cli {
namespace {
namespace fs = std::filesystem;

struct WikiOpts {
  std::string dir;
  fs::path resolve(const std::string& positional = "") const {
    if (!positional.empty()) return positional;
    if (!dir.empty()) return dir;
    if (const char* env = std::getenv("KDA_WIKI"); env && *env) return env;
    return "wiki";
  }
};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

Json hits_json(const std::vector<wiki::Hit>& hits, bool with_score) {
  Json arr = Json::array();
  for (auto& h : hits) {
    Json j = {{"id", h.id}, {"title", h.title}, {"kind", h.kind}, {"path", h.path},
              {"architectures", h.architectures}, {"techniques", h.techniques}, {"draft", h.draft}};
    if (with_score) {
      j["score"] = h.score;
      j["snippet"] = h.snippet;
      j["sources"] = h.sources;
    }
    arr.push_back(j);
  }
  return arr;
}

// Entries left out of the index, on stderr: every search says so, so a broken entry is not
// silently missing from the answers (issue 18).
void warn_problems(const std::vector<wiki::Problem>& problems) {
  size_t shown = 0;
  for (auto& p : problems) {
    if (++shown > 10) {
      std::cerr << "kda: warning: ... and " << problems.size() - 10 << " more (kda wiki check lists them all)\n";
      break;
    }
    std::cerr << "kda: warning: " << p.to_string() << "\n";
  }
}

void run_check(const fs::path& dir, bool json, const std::vector<std::string>& git) {
  auto r = wiki::load_wiki(dir);
  std::map<std::string, fs::path> repos;
  for (auto& g : git) {
    auto eq = g.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == g.size())
      fail(ErrorKind::kUsage, "--git wants owner/name=PATH (a clone or mirror of that repository), got '" + g + "'");
    repos[g.substr(0, eq)] = g.substr(eq + 1);
  }
  if (!repos.empty())
    for (auto& p : wiki::verify_commits(r.entries, repos)) r.problems.push_back(p);
  if (json) {
    Json j = {{"wiki", dir.string()}, {"entries", r.entries.size()}, {"problems", Json::array()}};
    for (auto& p : r.problems)
      j["problems"].push_back({{"file", p.file.string()}, {"line", p.line}, {"message", p.message}});
    std::cout << dump_json(j, 2) << "\n";
  } else {
    for (auto& p : r.problems) std::cout << p.to_string() << "\n";
  }
  if (!r.problems.empty())
    fail(ErrorKind::kInput, std::to_string(r.problems.size()) + " problem(s) in " + dir.string());
  size_t drafts = 0;
  for (auto& e : r.entries) drafts += e.draft;
  if (!json)
    std::cout << "ok: " << r.entries.size() << " entries (" << drafts << " drafts) in " << dir.string() << "\n";
}

}  // namespace

void add_wiki_command(CLI::App& root) {
  auto opts = std::make_shared<WikiOpts>();
  auto* cmd = root.add_subcommand("wiki", "Search and maintain the kernel knowledge base (docs/wiki.md)");
  cmd->require_subcommand(1);
  cmd->fallthrough();
  cmd->add_option("--wiki", opts->dir, "Wiki directory (default $KDA_WIKI, else ./wiki)");

  {
    auto* c = cmd->add_subcommand("check", "Validate front matter, provenance, ids and links");
    auto dir = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto git = std::make_shared<std::vector<std::string>>();
    c->add_option("DIR", *dir, "Wiki directory (overrides --wiki)");
    c->add_option("--git", *git, "owner/name=PATH: verify that commits cited for that repository exist in this clone or mirror (repeatable)");
    c->add_flag("--json", *json, "Machine-readable output");
    c->callback([=] { run_check(opts->resolve(*dir), *json, *git); });
  }
  {
    auto* c = cmd->add_subcommand("index", "Validate and (re)build the search index incrementally");
    auto full = std::make_shared<bool>(false);
    c->add_flag("--full", *full, "Rebuild from scratch instead of by content hash");
    c->callback([=] {
      fs::path dir = opts->resolve();
      auto s = wiki::build_index(dir, *full);
      warn_problems(s.problems);
      std::cout << "indexed " << dir.string() << ": " << s.added << " added, " << s.updated << " updated, "
                << s.removed << " removed, " << s.unchanged << " unchanged (" << static_cast<int>(s.seconds * 1000)
                << " ms) -> " << wiki::index_path(dir).string() << "\n";
      if (!s.problems.empty())
        std::cout << s.problems.size() << " problem(s): the entries named above were left out (kda wiki check lists them)\n";
    });
  }
  auto add_filters = [](CLI::App* c, wiki::Query& q) {
    c->add_option("--arch", q.arch, "Architecture (sm90, sm_100, hopper, gfx942, ...)");
    c->add_option("--kind", q.kind, "Entry kind (technique, pattern, source-pr, ...)");
    c->add_option("--technique", q.technique, "Technique (tma, wgmma, swizzle, ...)");
    c->add_option("--repo", q.repo, "Source repository (owner/name)");
    c->add_option("--op", q.op, "Op / kernel type (topk, attention, gemm, rmsnorm, ...)");
    c->add_option("--since", q.since, "Only entries dated on or after YYYY[-MM[-DD]] (latest source date)");
    c->add_option("--until", q.until, "Only entries dated on or before YYYY[-MM[-DD]]");
    c->add_option("--namespace", q.ns, "Only imported entries of this namespace, or 'local' for our own");
    c->add_flag_callback("--no-drafts", [&q] { q.include_drafts = false; }, "Leave out draft (machine-ingested) entries");
    c->add_flag("--include-unknown", q.include_unknown_arch,
                "With --arch: also entries that state no architecture (left out by default)");
    c->add_option("--limit", q.limit, "Maximum results")->check(whole_in(1, 100000));
  };
  {
    auto* c = cmd->add_subcommand("search", "Full-text search (BM25) with filters and snippets");
    auto q = std::make_shared<wiki::Query>();
    auto json = std::make_shared<bool>(false);
    c->add_option("QUERY", q->text, "Free text, e.g. \"topk warp select sm_90\"");
    add_filters(c, *q);
    c->add_option("--for-finding", q->finding, "A profiler finding category (shared-bank-conflict, ...)");
    c->add_flag("--json", *json, "Machine-readable output");
    c->callback([=] {
      if (q->text.empty() && q->finding.empty()) fail(ErrorKind::kUsage, "kda wiki search: give a QUERY or --for-finding");
      wiki::Index idx(opts->resolve());
      auto hits = idx.search(*q);
      auto problems = idx.problems();
      warn_problems(problems);
      if (*json) {
        Json j = {{"query", q->text}, {"fts", wiki::fts_query(q->text)}, {"results", hits_json(hits, true)},
                  {"skipped_entries", problems.size()}};
        std::cout << dump_json(j, 2) << "\n";
        return;
      }
      if (hits.empty()) std::cout << "no results\n";
      for (auto& h : hits) {
        std::cout << h.id << (h.draft ? " (draft)" : "") << "  " << h.title << "\n    [" << h.kind << "] "
                  << join(h.architectures) << "  " << join(h.techniques) << "\n    " << h.snippet << "\n";
        for (size_t i = 0; i < h.sources.size() && i < 3; ++i) std::cout << "    source: " << h.sources[i] << "\n";
      }
    });
  }
  {
    auto* c = cmd->add_subcommand("show", "Show one entry");
    auto id = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    c->add_option("ID", *id, "Entry id")->required();
    c->add_flag("--json", *json, "Machine-readable output");
    c->callback([=] {
      wiki::Index idx(opts->resolve());
      auto j = idx.get(*id);
      if (!j) fail(ErrorKind::kNotFound, "no wiki entry with id '" + *id + "' (try kda wiki search)");
      if (*json) {
        std::cout << dump_json(*j, 2) << "\n";
        return;
      }
      std::cout << (*j)["title"].get<std::string>() << "\n" << "id: " << *id << "  kind: " << (*j)["kind"].get<std::string>()
                << "  confidence: " << (*j)["confidence"].get<std::string>() << ((*j)["draft"].get<bool>() ? "  DRAFT" : "")
                << "\nfile: " << (*j)["path"].get<std::string>() << "\n";
      std::cout << "architectures: " << join((*j)["architectures"].get<std::vector<std::string>>())
                << "\ntechniques: " << join((*j)["techniques"].get<std::vector<std::string>>()) << "\n";
      if (j->contains("namespace"))
        std::cout << "imported into namespace " << (*j)["namespace"].get<std::string>()
                  << " (original front matter: kda wiki show " << *id << " --json, upstream_front_matter)\n";
      if (j->contains("duplicate_of"))
        std::cout << "duplicate: the same PR is recorded by " << (*j)["duplicate_of"].get<std::string>()
                  << " (this draft is left out of search)\n";
      if (j->contains("tags")) std::cout << "tags: " << join((*j)["tags"].get<std::vector<std::string>>()) << "\n";
      std::cout << "sources:\n";
      for (auto& s : (*j)["sources"])
        std::cout << "  - " << (s.contains("path") && s["url"].get<std::string>().empty()
                                    ? "upstream page " + s["path"].get<std::string>()
                                    : s["url"].get<std::string>())
                  << "\n";
      std::cout << "\n" << (*j)["body"].get<std::string>();
    });
  }
  {
    auto* c = cmd->add_subcommand("list", "List entries, optionally filtered");
    auto q = std::make_shared<wiki::Query>();
    q->limit = 0;
    auto json = std::make_shared<bool>(false);
    add_filters(c, *q);
    c->add_flag("--json", *json, "Machine-readable output");
    c->callback([=] {
      wiki::Index idx(opts->resolve());
      auto hits = idx.list(*q);
      if (*json) {
        std::cout << dump_json(hits_json(hits, false), 2) << "\n";
        return;
      }
      for (auto& h : hits) std::cout << h.id << (h.draft ? " (draft)" : "") << "  " << h.title << "\n";
    });
  }
  {
    auto* c = cmd->add_subcommand("ingest-git", "Draft source-pr entries from a repository's recent kernel commits");
    auto o = std::make_shared<wiki::IngestOptions>();
    auto path = std::make_shared<std::string>();
    c->add_option("REPO_PATH", *path, "A git repository or bare mirror")->required();
    c->add_option("--months", o->months, "How far back to walk (default 24)")->check(whole_in(1, 1200));
    c->add_option("--repo", o->repo_name, "GitHub owner/name (default: from the origin remote)");
    c->add_flag("--include-message", o->include_message, "Copy full commit messages into the drafts");
    c->add_option("--path", o->paths, "Only commits touching files under this prefix, e.g. third_party/amd/ (repeatable)");
    c->callback([=] {
      o->repo_path = *path;
      o->wiki_dir = opts->resolve();
      if (isatty(2))
        o->progress = [](size_t scanned, size_t drafts) {
          std::cerr << "\r  scanned " << scanned << " commits, " << drafts << " drafts" << std::flush;
        };
      auto st = wiki::ingest_git(*o);
      if (isatty(2)) std::cerr << "\n";
      std::cout << "ingested " << *path << ": " << st.scanned << " commits in " << o->months << " months, "
                << st.selected << " kernel-relevant, " << st.written << " drafts written, " << st.existing
                << " already present, " << st.duplicate_pr << " duplicate PR commits (" << static_cast<int>(st.seconds * 1000)
                << " ms) -> " << st.out_dir.string() << "\n";
    });
  }
  {
    auto* c = cmd->add_subcommand("import", "Load a KernelWiki-format knowledge base (sources/ + wiki/ pages) into WIKI/imported/NS/");
    auto o = std::make_shared<wiki::ImportOptions>();
    auto src = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    c->add_option("DIR", *src, "Root of the KernelWiki checkout")->required();
    c->add_option("--namespace", o->ns, "Namespace for the imported ids and folder (default kernelwiki)");
    c->add_flag("--json", *json, "Machine-readable output");
    c->callback([=] {
      o->source_dir = *src;
      o->wiki_dir = opts->resolve();
      auto r = wiki::import_kernelwiki(*o);
      if (*json) {
        Json j = {{"found", r.found}, {"upstream_accepted", r.upstream_accepted}, {"imported", r.imported},
                  {"imported_of_accepted", r.imported_of_accepted}, {"seconds", r.seconds}, {"out_dir", r.out_dir.string()},
                  {"skipped", Json::array()}, {"upstream_rejected", Json::array()}, {"unresolved_sources", Json::array()},
                  {"truncated", Json::array()}};
        for (auto& p : r.skipped) j["skipped"].push_back({{"file", p.file.string()}, {"reason", p.message}});
        for (auto& p : r.upstream_rejected) j["upstream_rejected"].push_back({{"file", p.file.string()}, {"reason", p.message}});
        for (auto& p : r.unresolved) j["unresolved_sources"].push_back({{"file", p.file.string()}, {"reason", p.message}});
        for (auto& p : r.truncated) j["truncated"].push_back({{"file", p.file.string()}, {"reason", p.message}});
        std::cout << dump_json(j, 2) << "\n";
      } else {
        for (auto& p : r.skipped) std::cout << "  skipped " << p.to_string() << "\n";
        for (auto& p : r.unresolved) std::cout << "  unresolved " << p.to_string() << "\n";
        for (auto& p : r.truncated) std::cout << "  truncated " << p.to_string() << "\n";
        std::cout << "imported " << *src << ": " << r.found << " pages, " << r.upstream_accepted
                  << " pass the upstream page rules, " << r.imported << " imported (" << r.imported_of_accepted
                  << " of those), " << r.skipped.size() << " skipped, " << r.unresolved.size()
                  << " unresolved source ids, " << r.truncated.size() << " bodies cut to the size limit ("
                  << static_cast<int>(r.seconds * 1000) << " ms) -> " << r.out_dir.string() << "\n";
      }
      // Issue 18: a lossy import must not look like a clean one.
      if (r.lossy())
        fail(ErrorKind::kVerdict, "kda wiki import: " + std::to_string(r.skipped.size()) + " page(s) skipped and " +
                                      std::to_string(r.unresolved.size()) +
                                      " source id(s) unresolved (listed above); the rest was imported");
    });
  }
  {
    auto* c = cmd->add_subcommand("add", "Create a new entry (fresh id of the kind's prefix, validated before writing)");
    auto e = std::make_shared<wiki::Entry>();
    struct SrcOpts {
      std::string repo, commit, url, doc_url, blog_url, date;
      long pr = 0;
      std::string body, body_file;
      bool print_template = false;
    };
    auto so = std::make_shared<SrcOpts>();
    e->confidence = "inferred";
    c->add_option("--kind", e->kind, "technique, kernel, pattern, hardware, language, migration, source-pr, source-doc, ...");
    c->add_option("--title", e->title, "Title (the id is made from it unless --id is given)");
    c->add_option("--id", e->id, "Explicit id (must carry the kind's prefix)");
    c->add_option("--arch", e->architectures, "Architectures (repeatable: sm90, sm100, gfx942, any)");
    c->add_option("--op", e->kernel_types, "Ops / kernel types (repeatable)");
    c->add_option("--technique", e->techniques, "Techniques (repeatable)");
    c->add_option("--hardware", e->hardware_features, "Hardware features (repeatable)");
    c->add_option("--symptom", e->symptoms, "Profiler finding categories this addresses (repeatable)");
    c->add_option("--link", e->links, "Ids of related entries (repeatable)");
    c->add_option("--confidence", e->confidence, "verified | source-reported | inferred (default) | experimental");
    c->add_option("--reproducibility", e->reproducibility, "concept | pseudocode | snippet | code-pointer | runnable | benchmarked");
    c->add_option("--summary", e->summary, "One-paragraph summary");
    c->add_option("--source-repo", so->repo, "Code source: owner/name");
    c->add_option("--source-pr", so->pr, "Code source: PR number");
    c->add_option("--source-commit", so->commit, "Code source: commit sha");
    c->add_option("--source-url", so->url, "Code source: https URL of the PR or commit (default: built from repo + pr/commit)");
    c->add_option("--source-date", so->date, "Code source: date (YYYY-MM-DD)");
    c->add_option("--doc-url", so->doc_url, "Document source: https URL");
    c->add_option("--blog-url", so->blog_url, "Blog source: https URL");
    c->add_option("--body", so->body, "Body text (Markdown)");
    c->add_option("--body-file", so->body_file, "Read the body from this file");
    c->add_flag("--draft", e->draft, "Mark as a draft");
    c->add_flag("--template", so->print_template, "Print a template entry for --kind and exit (write it by hand, then kda wiki check)");
    c->callback([=] {
      if (e->kind.empty()) fail(ErrorKind::kUsage, "kda wiki add: --kind is required");
      if (so->print_template) {
        wiki::Entry t;
        t.kind = e->kind;
        t.id = wiki::kind_prefix(e->kind) + "short-name";
        t.title = "One line saying what it is";
        t.architectures = {"sm90"};
        t.techniques = {"tma"};
        t.confidence = "inferred";
        t.reproducibility = "code-pointer";
        wiki::Source s;
        s.repo = "owner/name";
        s.pr = 1;
        s.url = "https://github.com/owner/name/pull/1";
        t.sources.push_back(s);
        t.body = "# One line saying what it is\n\nWhat it does, when it helps, how to apply it, what to measure.\n";
        std::cout << wiki::render_entry(t);
        return;
      }
      if (!so->repo.empty() || so->pr || !so->commit.empty()) {
        wiki::Source s;
        s.repo = so->repo;
        if (so->pr) s.pr = so->pr;
        s.commit = so->commit;
        s.date = so->date;
        s.url = so->url;
        if (s.url.empty() && !s.repo.empty())
          s.url = "https://github.com/" + s.repo + (so->pr ? "/pull/" + std::to_string(so->pr) : "/commit/" + s.commit);
        e->sources.push_back(s);
      }
      for (auto [type, url] : {std::pair<std::string, std::string>{"doc", so->doc_url}, {"blog", so->blog_url}})
        if (!url.empty()) {
          wiki::Source s;
          s.type = type;
          s.url = url;
          e->sources.push_back(s);
        }
      e->body = so->body_file.empty() ? so->body : read_file(so->body_file);
      if (e->body.empty()) e->body = "# " + e->title + "\n\n" + (e->summary.empty() ? "TODO: summary." : e->summary) + "\n";
      if (!e->body.empty() && e->body.back() != '\n') e->body += '\n';
      fs::path dir = opts->resolve();
      fs::path p = wiki::add_entry(dir, *e);
      std::cout << "added " << p.stem().string() << " -> " << p.string() << "\n";
    });
  }
  {
    auto* c = cmd->add_subcommand("stats", "Counts by kind, architecture, technique, source repository and namespace; drafts vs curated; index freshness");
    auto json = std::make_shared<bool>(false);
    c->add_flag("--json", *json, "Machine-readable output");
    c->callback([=] {
      wiki::Index idx(opts->resolve());
      Json s = idx.stats();
      if (*json) {
        std::cout << dump_json(s, 2) << "\n";
        return;
      }
      std::cout << "entries: " << s["entries"] << " (curated: " << s["curated"] << ", drafts: " << s["drafts"] << ", imported: " << s["imported"] << ")\n";
      const Json& ix = s["index"];
      std::cout << "index: " << ix["index"].get<std::string>() << " (" << (ix["up_to_date"].get<bool>() ? "up to date" : "STALE")
                << ", " << ix["entry_files"] << " entry files)\n";
      for (auto& [k, v] : s["by_namespace"].items()) std::cout << "  namespace " << k << ": " << v << "\n";
      for (auto& [k, v] : s["by_kind"].items()) std::cout << "  kind " << k << ": " << v << "\n";
      for (auto& [k, v] : s["by_architecture"].items()) std::cout << "  arch " << k << ": " << v << "\n";
      for (auto& [k, v] : s["by_source_repo"].items()) std::cout << "  repo " << k << ": " << v << "\n";
      std::vector<std::pair<int64_t, std::string>> techs;
      for (auto& [k, v] : s["by_technique"].items()) techs.emplace_back(v.get<int64_t>(), k);
      std::sort(techs.rbegin(), techs.rend());
      if (techs.size() > 25) techs.resize(25);
      for (auto& [n, t] : techs) std::cout << "  technique " << t << ": " << n << "\n";
      if (s["by_technique"].size() > 25) std::cout << "  (" << s["by_technique"].size() << " techniques; --json for all)\n";
    });
  }
}

}  // namespace kda::cli
