// kda wiki check|index|search|show|list|stats|ingest-git: the offline knowledge base (DESIGN §6,
// docs/wiki.md). The Markdown entries under the wiki directory are the source of truth; the
// SQLite index under WIKI/.index/ is a cache rebuilt from them.
#include <cstdlib>
#include <iostream>
#include <memory>

#include <unistd.h>

#include "cli/commands.h"
#include "core/error.h"
#include "core/json_io.h"
#include "wiki/entry.h"
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
    }
    arr.push_back(j);
  }
  return arr;
}

void run_check(const fs::path& dir, bool json) {
  auto r = wiki::load_wiki(dir);
  if (json) {
    Json j = {{"wiki", dir.string()}, {"entries", r.entries.size()}, {"problems", Json::array()}};
    for (auto& p : r.problems)
      j["problems"].push_back({{"file", p.file.string()}, {"line", p.line}, {"message", p.message}});
    std::cout << j.dump(2) << "\n";
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
    c->add_option("DIR", *dir, "Wiki directory (overrides --wiki)");
    c->add_flag("--json", *json, "Machine-readable output");
    c->callback([=] { run_check(opts->resolve(*dir), *json); });
  }
  {
    auto* c = cmd->add_subcommand("index", "Validate and (re)build the search index incrementally");
    auto full = std::make_shared<bool>(false);
    c->add_flag("--full", *full, "Rebuild from scratch instead of by content hash");
    c->callback([=] {
      fs::path dir = opts->resolve();
      auto s = wiki::build_index(dir, *full);
      std::cout << "indexed " << dir.string() << ": " << s.added << " added, " << s.updated << " updated, "
                << s.removed << " removed, " << s.unchanged << " unchanged (" << static_cast<int>(s.seconds * 1000)
                << " ms) -> " << wiki::index_path(dir).string() << "\n";
    });
  }
  auto add_filters = [](CLI::App* c, wiki::Query& q) {
    c->add_option("--arch", q.arch, "Architecture (sm90, sm_100, hopper, gfx942, ...)");
    c->add_option("--kind", q.kind, "Entry kind (technique, pattern, source-pr, ...)");
    c->add_option("--technique", q.technique, "Technique (tma, wgmma, swizzle, ...)");
    c->add_option("--repo", q.repo, "Source repository (owner/name)");
    c->add_option("--limit", q.limit, "Maximum results");
  };
  {
    auto* c = cmd->add_subcommand("search", "Full-text search (BM25) with filters and snippets");
    auto q = std::make_shared<wiki::Query>();
    auto json = std::make_shared<bool>(false);
    auto no_drafts = std::make_shared<bool>(false);
    c->add_option("QUERY", q->text, "Free text, e.g. \"topk warp select sm_90\"");
    add_filters(c, *q);
    c->add_option("--for-finding", q->finding, "A profiler finding category (shared-bank-conflict, ...)");
    c->add_flag("--no-drafts", *no_drafts, "Leave out draft (machine-ingested) entries");
    c->add_flag("--json", *json, "Machine-readable output");
    c->callback([=] {
      if (q->text.empty() && q->finding.empty()) fail(ErrorKind::kUsage, "kda wiki search: give a QUERY or --for-finding");
      q->include_drafts = !*no_drafts;
      wiki::Index idx(opts->resolve());
      auto hits = idx.search(*q);
      if (*json) {
        std::cout << Json{{"query", q->text}, {"fts", wiki::fts_query(q->text)}, {"results", hits_json(hits, true)}}.dump(2)
                  << "\n";
        return;
      }
      if (hits.empty()) std::cout << "no results\n";
      for (auto& h : hits) {
        std::cout << h.id << (h.draft ? " (draft)" : "") << "  " << h.title << "\n    [" << h.kind << "] "
                  << join(h.architectures) << "  " << join(h.techniques) << "\n    " << h.snippet << "\n";
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
        std::cout << j->dump(2) << "\n";
        return;
      }
      std::cout << (*j)["title"].get<std::string>() << "\n" << "id: " << *id << "  kind: " << (*j)["kind"].get<std::string>()
                << "  confidence: " << (*j)["confidence"].get<std::string>() << ((*j)["draft"].get<bool>() ? "  DRAFT" : "")
                << "\nfile: " << (*j)["path"].get<std::string>() << "\n";
      std::cout << "architectures: " << join((*j)["architectures"].get<std::vector<std::string>>())
                << "\ntechniques: " << join((*j)["techniques"].get<std::vector<std::string>>()) << "\nsources:\n";
      for (auto& s : (*j)["sources"]) std::cout << "  - " << s["url"].get<std::string>() << "\n";
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
        std::cout << hits_json(hits, false).dump(2) << "\n";
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
    c->add_option("--months", o->months, "How far back to walk (default 24)");
    c->add_option("--repo", o->repo_name, "GitHub owner/name (default: from the origin remote)");
    c->add_flag("--include-message", o->include_message, "Copy full commit messages into the drafts");
    c->callback([=] {
      o->repo_path = *path;
      o->wiki_dir = opts->resolve();
      if (isatty(2))
        o->progress = [](size_t scanned, size_t written) {
          std::cerr << "\r  scanned " << scanned << " commits, " << written << " drafts written" << std::flush;
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
    auto* c = cmd->add_subcommand("stats", "Counts by kind, architecture and source repository");
    auto json = std::make_shared<bool>(false);
    c->add_flag("--json", *json, "Machine-readable output");
    c->callback([=] {
      wiki::Index idx(opts->resolve());
      Json s = idx.stats();
      if (*json) {
        std::cout << s.dump(2) << "\n";
        return;
      }
      std::cout << "entries: " << s["entries"] << " (drafts: " << s["drafts"] << ")\n";
      for (auto& [k, v] : s["by_kind"].items()) std::cout << "  kind " << k << ": " << v << "\n";
      for (auto& [k, v] : s["by_architecture"].items()) std::cout << "  arch " << k << ": " << v << "\n";
      for (auto& [k, v] : s["by_source_repo"].items()) std::cout << "  repo " << k << ": " << v << "\n";
    });
  }
}

}  // namespace kda::cli
