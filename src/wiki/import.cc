#include "wiki/import.h"

#include <yaml-cpp/yaml.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/fs.h"
#include "wiki/index.h"
#include "wiki/vocab.h"

namespace kda::wiki {
namespace fs = std::filesystem;

namespace {

// One upstream page as read from disk.
struct Page {
  fs::path file;
  std::string rel;   ///< path relative to the knowledge base root, '/'-separated
  bool has_fm = false;
  std::string parse_error;
  YAML::Node fm;
  std::string fm_text;  ///< the front matter as written (kept verbatim under `upstream:`)
  std::string bad;      ///< why the file cannot be read as text (size, binary, UTF-8), or ""
  int bad_line = 0;
  std::string body;  ///< everything after the closing front-matter line, unchanged
  std::string type;  ///< source-pr, source-doc, ..., wiki-technique, ...; "" when unknown
  std::string id;
};

// The upstream front-matter block: a first line of "---" (trailing blanks allowed) and the next
// line that is "---" again; the body starts after it.
bool split_front_matter(const std::string& text, std::string& fm, std::string& body) {
  auto line_end = [&](size_t pos) { return text.find('\n', pos); };
  auto is_fence = [&](size_t pos, size_t eol) {
    std::string l = text.substr(pos, (eol == std::string::npos ? text.size() : eol) - pos);
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t')) l.pop_back();
    return l == "---";
  };
  size_t eol = line_end(0);
  if (eol == std::string::npos || !is_fence(0, eol)) return false;
  size_t start = eol + 1, pos = start;
  while (pos < text.size()) {
    size_t e = line_end(pos);
    if (e == std::string::npos) return false;  // the closing fence must end with a newline
    if (is_fence(pos, e)) {
      fm = text.substr(start, pos > start ? pos - start - 1 : 0);
      body = text.substr(e + 1);
      return true;
    }
    pos = e + 1;
  }
  return false;
}

// Page type as the upstream validator derives it: the folder under sources/, or the `type` field
// (else the folder) under wiki/. Forks add source folders (sources/experiences/ ->
// source-experience); such a type counts when data/schemas.yaml defines it.
std::string page_type(const std::string& rel, const YAML::Node& fm, const YAML::Node& schemas) {
  auto slash = rel.find('/');
  std::string top = rel.substr(0, slash);
  // The ROCm dialect writes the full page type in every page ("wiki-technique", "source-pr").
  if (fm.IsMap() && fm["type"] && fm["type"].IsScalar()) {
    std::string t = fm["type"].as<std::string>();
    if (t.rfind("wiki-", 0) == 0 || t.rfind("source-", 0) == 0) return t;
  }
  std::string rest = slash == std::string::npos ? "" : rel.substr(slash + 1);
  std::string sub = rest.substr(0, rest.find('/'));
  if (top == "sources") {
    static const std::map<std::string, std::string> m = {
        {"prs", "source-pr"}, {"docs", "source-doc"}, {"blogs", "source-blog"}, {"contests", "source-contest"}};
    auto it = m.find(sub);
    if (it != m.end()) return it->second;
    (void)schemas;
    // A folder the fork adds (sources/experiences/, sources/code/): its own type, kept (issue 18).
    if (sub.empty() || rest.find('/') == std::string::npos) return "";
    return "source-" + (sub.size() > 1 && sub.back() == 's' ? sub.substr(0, sub.size() - 1) : sub);
  }
  if (top == "wiki") {
    if (fm.IsMap() && fm["type"] && fm["type"].IsScalar() && !fm["type"].as<std::string>().empty())
      return "wiki-" + fm["type"].as<std::string>();
    static const std::map<std::string, std::string> m = {
        {"hardware", "wiki-hardware"}, {"techniques", "wiki-technique"}, {"patterns", "wiki-pattern"},
        {"kernels", "wiki-kernel"},    {"languages", "wiki-language"},   {"migration", "wiki-migration"}};
    auto it = m.find(sub);
    if (it != m.end()) return it->second;
    if (sub.empty() || rest.find('/') == std::string::npos) return "";
    return "wiki-" + (sub.size() > 1 && sub.back() == 's' ? sub.substr(0, sub.size() - 1) : sub);
  }
  return "";
}

YAML::Node load_data(const fs::path& root, const char* name);

std::vector<Page> read_pages(const fs::path& root) {
  std::vector<Page> pages;
  YAML::Node schemas = load_data(root, "schemas.yaml");
  for (const char* top : {"sources", "wiki"}) {
    fs::path dir = root / top;
    if (!fs::is_directory(dir)) continue;
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      std::error_code sec;
      if (it->path().extension() == ".md" && !fs::is_directory(it->path(), sec)) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (auto& f : files) {
      Page p;
      p.file = f;
      p.rel = f.lexically_relative(root).generic_string();
      std::string text, fm;
      std::error_code sec;
      auto size = fs::file_size(f, sec);
      if (sec) {
        p.bad = "cannot read (" + sec.message() + ")";
      } else if (size > 64 * kMaxEntryBytes) {
        p.bad = "the file is " + std::to_string(size) + " bytes, too large to be a page";
      } else {
        try {
          text = read_file(f);
        } catch (const std::exception& e) {
          p.bad = std::string("cannot read (") + e.what() + ")";
        }
      }
      std::vector<Problem> bytes;
      if (p.bad.empty() && !check_entry_bytes(f, text, bytes)) {
        p.bad = bytes.front().message;
        p.bad_line = bytes.front().line;
      }
      if (!p.bad.empty()) {
        pages.push_back(std::move(p));
        continue;
      }
      p.has_fm = split_front_matter(text, fm, p.body);
      p.fm_text = fm;
      if (p.has_fm) {
        try {
          p.fm = YAML::Load(fm);
        } catch (const std::exception& e) {
          p.parse_error = e.what();
        }
      }
      if (p.has_fm && p.parse_error.empty() && p.fm.IsMap()) {
        p.type = page_type(p.rel, p.fm, schemas);
        if (p.fm["id"] && p.fm["id"].IsScalar()) p.id = p.fm["id"].as<std::string>();
      }
      pages.push_back(std::move(p));
    }
  }
  return pages;
}

std::vector<std::string> strings(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n || n.IsNull()) return out;
  if (n.IsScalar()) return {n.as<std::string>()};
  if (n.IsSequence())
    for (const auto& x : n)
      if (x.IsScalar()) out.push_back(x.as<std::string>());
  return out;
}

std::string str(const YAML::Node& fm, const char* key) {
  YAML::Node n = fm[key];
  return n && n.IsScalar() ? n.as<std::string>() : "";
}

YAML::Node load_data(const fs::path& root, const char* name) {
  fs::path p = root / "data" / name;
  if (!fs::exists(p)) return YAML::Node();
  try {
    return YAML::LoadFile(p.string());
  } catch (const YAML::Exception& e) {
    fail(ErrorKind::kInput, p.string() + ": malformed YAML: " + e.what());
  }
}

// The upstream controlled vocabulary (data/tags.yaml): category -> allowed values.
struct Vocab {
  std::map<std::string, std::set<std::string>> cats;
  std::map<std::string, std::vector<std::string>> gfx;  ///< architecture id -> gfx targets
  bool has(const std::string& cat) const { return cats.count(cat) > 0; }
  bool in(const std::string& cat, const std::string& v) const {
    auto it = cats.find(cat);
    return it != cats.end() && it->second.count(v);
  }
};

Vocab load_vocab(const fs::path& root) {
  Vocab v;
  YAML::Node t = load_data(root, "tags.yaml");
  if (!t.IsMap()) return v;
  for (const auto& kv : t) {
    std::string cat = kv.first.as<std::string>();
    if (cat == "aliases") continue;
    if (kv.second.IsSequence()) {
      for (const auto& item : kv.second) {
        if (item.IsScalar()) {
          v.cats[cat].insert(item.as<std::string>());
        } else if (item.IsMap() && item["id"] && item["id"].IsScalar()) {
          // {id: cdna3, gfx: [gfx940, gfx942], ...}: the gfx names help map the id onto ours.
          std::string id = item["id"].as<std::string>();
          v.cats[cat].insert(id);
          for (auto& g : strings(item["gfx"])) v.gfx[id].push_back(g);
        }
      }
    } else if (kv.second.IsMap()) {
      for (const auto& item : kv.second) v.cats[cat].insert(item.first.as<std::string>());
    }
  }
  return v;
}

// data/aliases.yaml: canonical -> [aliases]. Returns lower(alias) -> canonical, and canonical ->
// aliases for adding the aliases of a page's terms to its search tags.
struct Aliases {
  std::map<std::string, std::string> to_canonical;
  std::map<std::string, std::vector<std::string>> of;
  std::string canon(const std::string& t) const {
    auto it = to_canonical.find(lower(t));
    return it == to_canonical.end() ? t : it->second;
  }
};

Aliases load_aliases(const fs::path& root) {
  Aliases a;
  auto take = [&](const YAML::Node& n) {
    if (!n.IsMap()) return;
    for (const auto& kv : n) {
      std::string k = kv.first.as<std::string>();
      if (kv.second.IsScalar()) {  // alias: canonical
        a.to_canonical.emplace(lower(k), kv.second.as<std::string>());
        a.of[kv.second.as<std::string>()].push_back(k);
        continue;
      }
      for (auto& al : strings(kv.second)) {  // canonical: [aliases]
        a.to_canonical.emplace(lower(al), k);
        a.of[k].push_back(al);
      }
    }
  };
  take(load_data(root, "aliases.yaml"));
  YAML::Node tags = load_data(root, "tags.yaml");
  if (tags.IsMap()) take(tags["aliases"]);
  return a;
}

void add_unique(std::vector<std::string>& v, const std::string& x) {
  if (!x.empty() && std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

bool is_hex_sha(const std::string& s) {
  return s.size() >= 7 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Their pattern symptoms that name one of our profiler finding categories.
std::string finding_for_symptom(const std::string& s) {
  static const std::map<std::string, std::string> m = {
      {"memory-bound", "dram-bound"},
      {"high-memory-throughput", "dram-bound"},
      {"bandwidth-bound", "dram-bound"},
      {"low-compute-utilization", "tensor-core-underused"},
      {"low-tensor-core-utilization", "tensor-core-underused"},
      {"register-pressure", "register-spill"},
      {"register-spills", "register-spill"},
      {"bank-conflicts", "shared-bank-conflict"},
      {"shared-memory-bank-conflicts", "shared-bank-conflict"},
      {"pipeline-stalls", "latency-bound"},
      {"low-sm-utilization", "grid-too-small"},
      {"wave-quantization", "tail-effect"},
  };
  auto& cats = finding_categories();
  if (std::find(cats.begin(), cats.end(), s) != cats.end()) return s;
  auto it = m.find(s);
  return it == m.end() ? "" : it->second;
}

const std::map<std::string, std::string>& kind_of_type() {
  static const std::map<std::string, std::string> m = {
      {"source-pr", "source-pr"},         {"source-doc", "source-doc"},   {"source-blog", "source-blog"},
      {"source-contest", "source-contest"}, {"source-experience", "source-experience"}, {"wiki-hardware", "hardware"}, {"wiki-technique", "technique"},
      {"wiki-kernel", "kernel"},          {"wiki-pattern", "pattern"},    {"wiki-language", "language"},
      {"wiki-migration", "migration"}};
  return m;
}

// The provenance a source page stands for, in our terms.
Source source_of(const Page& p) {
  Source s;
  const YAML::Node& fm = p.fm;
  if (p.type == "source-pr") {
    s.type = "code";
    s.repo = str(fm, "repo");
    try {
      if (fm["pr"]) s.pr = fm["pr"].as<long>();
    } catch (const YAML::Exception&) {
    }
    std::string sha = lower(str(fm, "merge_sha"));
    if (sha.empty()) sha = lower(str(fm, "merge_commit"));
    if (is_hex_sha(sha)) s.commit = sha;
    s.url = str(fm, "url");
    s.date = str(fm, "date");
    s.title = str(fm, "title");
    if (s.repo.find('/') != std::string::npos && (s.pr || !s.commit.empty()) && s.url.rfind("https://", 0) == 0)
      return s;
  } else {
    s.type = p.type == "source-blog" ? "blog" : "doc";
    s.url = str(fm, "url");
    s.title = str(fm, "title");
    s.date = str(fm, "retrieved_at");
    if (s.date.empty()) s.date = str(fm, "date");
    if (s.url.rfind("https://", 0) == 0) return s;
  }
  Source up;
  up.type = "upstream-page";
  up.path = p.rel;
  up.title = str(fm, "title");
  up.date = s.date;
  return up;
}

Entry convert(const Page& p, const std::string& ns, const Vocab& vocab, const Aliases& aliases,
              const std::map<std::string, const Page*>& by_id, std::vector<Problem>& unresolved,
              std::vector<Problem>& truncated) {
  const YAML::Node& fm = p.fm;
  Entry e;
  e.ns = ns;
  e.id = ns + "." + p.id;
  auto known = kind_of_type().find(p.type);
  // A fork's own page type stays its own kind: "source-code", "wiki-tool" -> "tool".
  e.kind = known != kind_of_type().end() ? known->second
           : p.type.rfind("wiki-", 0) == 0 ? p.type.substr(5) : p.type;
  e.title = str(fm, "title");
  if (e.title.empty()) e.title = p.id;
  e.body = p.body;
  e.summary = str(fm, "description");
  bool is_source = p.type.rfind("source-", 0) == 0;

  auto arch_of = [&](const std::string& a) {
    std::string c = canonical_arch(aliases.canon(a));
    if (c.empty()) c = canonical_arch(a);
    if (c.empty() && vocab.gfx.count(a))
      for (auto& g : vocab.gfx.at(a))
        if (c.empty()) c = canonical_arch(g);
    if (c.empty()) {
      add_unique(e.tags, a);  // an architecture we do not know stays searchable
      return;
    }
    add_unique(e.architectures, c);
  };
  for (auto& a : strings(fm["architectures"])) arch_of(a);
  for (const char* k : {"from_arch", "to_arch"})
    if (!str(fm, k).empty()) arch_of(str(fm, k));

  for (auto& t : strings(fm["techniques"])) add_unique(e.techniques, aliases.canon(t));
  for (auto& t : strings(fm["hardware_features"])) add_unique(e.hardware_features, aliases.canon(t));
  for (auto& t : strings(fm["kernel_types"])) add_unique(e.kernel_types, aliases.canon(t));
  for (auto& raw : strings(fm["tags"])) {
    std::string t = aliases.canon(raw);
    if (vocab.in("techniques", t))
      add_unique(e.techniques, t);
    else if (vocab.in("hardware_features", t))
      add_unique(e.hardware_features, t);
    else if (vocab.in("kernel_types", t))
      add_unique(e.kernel_types, t);
    else
      add_unique(e.tags, t);
  }
  for (auto& t : strings(fm["languages"])) add_unique(e.tags, t);
  for (auto& t : strings(fm["aliases"])) add_unique(e.tags, t);
  if (e.kind == "technique" && p.id.rfind("technique-", 0) == 0) add_unique(e.techniques, p.id.substr(10));
  for (auto& c : strings(fm["candidate_techniques"]))
    if (c.rfind("technique-", 0) == 0) add_unique(e.techniques, c.substr(10));
  // The upstream aliases of every term the page carries become search tags ("UMMA" finds tcgen05).
  for (auto* v : {&e.techniques, &e.hardware_features, &e.kernel_types, &e.architectures}) {
    std::vector<std::string> terms = *v;
    for (auto& t : terms) {
      auto it = aliases.of.find(t);
      if (it != aliases.of.end())
        for (auto& al : it->second) add_unique(e.tags, al);
    }
  }
  for (auto& s : strings(fm["symptoms"])) {
    std::string f = finding_for_symptom(s);
    if (!f.empty()) add_unique(e.symptoms, f);
    add_unique(e.tags, s);
  }
  for (const char* k : {"related", "prerequisites", "candidate_techniques"})
    for (auto& l : strings(fm[k]))
      if (by_id.count(l) && l != p.id) add_unique(e.links, ns + "." + l);

  std::string conf = str(fm, "confidence");
  auto& levels = confidence_levels();
  e.confidence = std::find(levels.begin(), levels.end(), conf) != levels.end() ? conf
                 : is_source                                                  ? "source-reported"
                                                                              : "inferred";
  std::string repro = str(fm, "reproducibility");
  auto& rl = reproducibility_levels();
  if (std::find(rl.begin(), rl.end(), repro) != rl.end()) e.reproducibility = repro;

  if (is_source) {
    e.sources.push_back(source_of(p));
  } else {
    for (auto& sid : strings(fm["sources"])) {
      auto it = by_id.find(sid);
      if (it == by_id.end() || it->second->type.rfind("source-", 0) != 0) {
        unresolved.push_back({p.file, 0, "source id '" + sid + "' names no source record of the knowledge base; "
                                         "left out of this page's sources"});
        add_unique(e.tags, sid);  // still searchable
      } else {
        Source s = source_of(*it->second);
        if (std::none_of(e.sources.begin(), e.sources.end(), [&](const Source& x) {
              return x.type == s.type && x.url == s.url && x.path == s.path;
            }))
          e.sources.push_back(s);
      }
    }
    if (e.sources.empty()) {
      Source up;
      up.type = "upstream-page";
      up.path = p.rel;
      e.sources.push_back(up);
    }
  }
  bool has_code = false, has_doc = false;
  for (auto& s : e.sources) {
    has_code |= s.type == "code";
    has_doc |= s.type == "doc" || s.type == "blog";
  }
  // Our rule for 'verified' (an official doc and upstream code) is stricter than theirs; the
  // upstream level stays in `upstream:`.
  if (e.confidence == "verified" && !(has_code && has_doc)) e.confidence = "source-reported";

  if (YAML::Node pc = fm["performance_claims"]; pc && pc.IsSequence()) {
    for (const auto& c : pc) {
      if (!c.IsMap()) continue;
      PerformanceClaim claim{str(c, "gpu"), str(c, "dtype"), str(c, "shape"), str(c, "metric"), str(c, "value"), ""};
      if (!str(c, "utilization").empty()) claim.value += " (" + str(c, "utilization") + " utilization)";
      std::string sid = str(c, "source_id");
      auto it = by_id.find(sid);
      claim.source = it != by_id.end() ? (source_of(*it->second).url.empty() ? ns + "." + sid : source_of(*it->second).url)
                                       : sid;
      if (claim.metric.empty() || str(c, "value").empty()) continue;
      e.performance_claims.push_back(claim);
    }
  }
  e.upstream = p.fm_text;  // verbatim: no value is re-typed by re-emitting it
  // Size limit (docs/wiki.md): a body that would make the entry too large to index is cut at a
  // paragraph boundary, with a note saying where the whole page is; the import reports it.
  size_t budget = kMaxEntryBytes - std::min(kMaxEntryBytes / 2, render_entry(e).size() - e.body.size() + 512);
  if (e.body.size() > budget) {
    size_t cut = e.body.rfind("\n\n", budget);
    if (cut == std::string::npos || cut < budget / 2) cut = budget;
    while (cut > 0 && (static_cast<unsigned char>(e.body[cut]) & 0xC0) == 0x80) --cut;
    truncated.push_back({p.file, 0, "body of " + std::to_string(e.body.size()) + " bytes cut to " +
                                        std::to_string(cut) + " (the entry size limit); the whole page stays upstream"});
    e.body = e.body.substr(0, cut) + "\n\n[kda: the rest of this page (" + std::to_string(e.body.size() - cut) +
             " bytes) was cut by the import's size limit; the whole page is " + p.rel + " upstream]\n";
  }
  return e;
}

}  // namespace

namespace {
std::vector<Problem> page_problems(const fs::path& root, const std::vector<Page>& pages) {
  std::vector<Problem> out;
  Vocab vocab = load_vocab(root);
  YAML::Node schemas = load_data(root, "schemas.yaml");
  // Two dialects: mit-han-lab/KernelWiki (types at the top of schemas.yaml, type from the folder)
  // and the ROCm forks (types under page_types:, the full type written in every page).
  bool rocm = schemas.IsMap() && schemas["page_types"];
  YAML::Node types = rocm ? schemas["page_types"] : schemas;
  std::set<std::string> source_ids;
  for (auto& p : pages)
    if (!p.id.empty() && p.rel.rfind("sources/", 0) == 0) source_ids.insert(p.id);
  std::map<std::string, std::string> seen;
  for (auto& p : pages) {
    auto add = [&](const std::string& m) { out.push_back({p.file, 0, m}); };
    if (!p.bad.empty()) {
      out.push_back({p.file, p.bad_line, p.bad});
      continue;
    }
    if (!p.has_fm) {
      add("missing YAML frontmatter");
      continue;
    }
    if (!p.parse_error.empty()) {
      add("YAML parse error: " + p.parse_error);
      continue;
    }
    if (!p.fm.IsMap()) {
      add("frontmatter must be a YAML mapping");
      continue;
    }
    const YAML::Node& fm = p.fm;
    if (!p.id.empty()) {
      auto [it, ins] = seen.emplace(p.id, p.rel);
      if (!ins) add("duplicate id '" + p.id + "' (also in " + it->second + ")");
    }
    if (p.type.empty()) {
      add("unknown page type");
      continue;
    }
    YAML::Node schema = types.IsMap() ? types[p.type] : YAML::Node();
    if (types.IsMap() && !schema) {
      add("no schema defined for type '" + p.type + "'");
      continue;
    }
    if (rocm) {
      // The ROCm dialect's validator: errors for required fields, the id prefix, architectures
      // and confidence outside the vocabulary, and incomplete performance claims on kernel
      // pages; everything else there is a warning.
      for (auto& req : strings(schema["required_fields"]))
        if (!fm[req]) add("missing required field: " + req);
      std::string prefix = str(schema, "id_prefix");
      if (!prefix.empty() && !p.id.empty() && p.id.rfind(prefix, 0) != 0)
        add("id '" + p.id + "' does not start with '" + prefix + "'");
      for (auto& a : strings(fm["architectures"]))
        if (!vocab.in("architectures", a)) add("invalid architecture: " + a);
      std::string conf = str(fm, "confidence");
      auto& levels = confidence_levels();
      if (!conf.empty() && std::find(levels.begin(), levels.end(), conf) == levels.end())
        add("invalid confidence: " + conf);
      if (p.type == "wiki-kernel" && fm["performance_claims"] && fm["performance_claims"].IsSequence())
        for (const auto& c : fm["performance_claims"])
          for (const char* req : {"gpu", "dtype", "metric", "value", "source_id"})
            if (!c.IsMap() || !c[req]) add(std::string("performance claim missing: ") + req);
      continue;
    }
    YAML::Node cons = schema ? schema["constraints"] : YAML::Node();
    for (auto& req : strings(schema ? schema["required"] : YAML::Node()))
      if (!fm[req] || fm[req].IsNull()) add("missing required field '" + req + "'");
    std::string prefix = cons ? str(cons, "id_prefix") : "";
    if (!prefix.empty() && !p.id.empty() && p.id.rfind(prefix, 0) != 0)
      add("id '" + p.id + "' must start with '" + prefix + "'");
    for (const char* f : {"tags", "techniques", "hardware_features", "kernel_types", "languages", "architectures",
                          "related", "sources", "symptoms", "candidate_techniques", "prerequisites", "aliases"}) {
      if (!fm[f]) continue;
      if (!fm[f].IsSequence()) {
        add(std::string("field '") + f + "' must be a YAML list");
        continue;
      }
      std::set<std::string> dup;
      for (auto& v : strings(fm[f]))
        if (!dup.insert(v).second) add("duplicate value '" + v + "' in field '" + f + "'");
    }
    std::set<std::string> topical;
    for (const char* c : {"hardware_features", "techniques", "kernel_types", "languages"})
      if (vocab.has(c)) topical.insert(vocab.cats.at(c).begin(), vocab.cats.at(c).end());
    if (fm["hardware_features"] && fm["hardware_features"].IsSequence()) {
      auto hw = strings(fm["hardware_features"]);
      for (auto& t : strings(fm["tags"]))
        if (vocab.in("hardware_features", t) && std::find(hw.begin(), hw.end(), t) == hw.end())
          add("tags contain hardware feature '" + t + "' not in hardware_features");
    }
    if (!vocab.cats.empty()) {
      for (auto& t : strings(fm["tags"]))
        if (!topical.count(t)) add("'" + t + "' is not a valid tags value");
      for (const char* c : {"techniques", "hardware_features", "kernel_types", "languages"})
        if (fm[c] && fm[c].IsSequence())
          for (auto& t : strings(fm[c]))
            if (!vocab.in(c, t)) add("'" + t + "' is not a valid " + c + " value");
      if (fm["architectures"] && fm["architectures"].IsSequence())
        for (auto& a : strings(fm["architectures"]))
          if (!vocab.in("architectures", a)) add("unknown architecture '" + a + "'");
      for (const char* k : {"from_arch", "to_arch"})
        if (fm[k] && !vocab.in("architectures", str(fm, k))) add(std::string(k) + " is not a known architecture");
      if (fm["confidence"] && !vocab.in("confidence", str(fm, "confidence")))
        add("invalid confidence '" + str(fm, "confidence") + "'");
      if (fm["reproducibility"] && !vocab.in("reproducibility", str(fm, "reproducibility")))
        add("invalid reproducibility '" + str(fm, "reproducibility") + "'");
      if (fm["source_category"] && !vocab.in("source_categories", str(fm, "source_category")))
        add("invalid source_category '" + str(fm, "source_category") + "'");
    }
    for (auto& ct : strings(fm["candidate_techniques"]))
      if (ct.rfind("technique-", 0) != 0 && ct.rfind("hw-", 0) != 0 && ct.rfind("migration-", 0) != 0)
        add("candidate_techniques entry '" + ct + "' must name a technique-, hw- or migration- page");
    if (cons) {
      static const std::vector<std::string> order = {"concept", "pseudocode", "snippet", "runnable", "benchmarked"};
      std::string min = str(cons, "reproducibility_minimum"), r = str(fm, "reproducibility");
      if (!min.empty() && fm["reproducibility"]) {
        auto a = std::find(order.begin(), order.end(), r), b = std::find(order.begin(), order.end(), min);
        if (a == order.end() || b == order.end() || a < b) add("reproducibility '" + r + "' below minimum '" + min + "'");
      }
      auto allowed = strings(cons["source_category"]);
      if (!allowed.empty() && fm["source_category"] &&
          std::find(allowed.begin(), allowed.end(), str(fm, "source_category")) == allowed.end())
        add("source_category '" + str(fm, "source_category") + "' not allowed for " + p.type);
      auto status = strings(cons["status"]);
      if (!status.empty() && fm["status"] && std::find(status.begin(), status.end(), str(fm, "status")) == status.end())
        add("status '" + str(fm, "status") + "' not allowed");
      if (str(cons, "merge_sha_required_when") == "status == merged" && str(fm, "status") == "merged" &&
          str(fm, "merge_sha").empty())
        add("merge_sha required when status is 'merged'");
      if (cons["type"] && fm["type"] && str(fm, "type") != str(cons, "type"))
        add("type '" + str(fm, "type") + "' does not match '" + str(cons, "type") + "'");
    }
    if (p.type.rfind("wiki-", 0) == 0) {
      auto archs = strings(fm["architectures"]);
      auto has = [&](std::initializer_list<const char*> xs) {
        for (auto* x : xs)
          if (std::find(archs.begin(), archs.end(), x) != archs.end()) return true;
        return false;
      };
      if (has({"sm90", "sm90a"}) && !has({"sm100", "sm100a", "sm120"}) && !fm["blackwell_relevance"])
        add("page targets only Hopper without a Blackwell architecture and has no blackwell_relevance");
      if (fm["sources"] && fm["sources"].IsSequence() && !source_ids.empty())
        for (auto& s : strings(fm["sources"]))
          if (!source_ids.count(s)) add("references unknown source id '" + s + "'");
      if (str(fm, "confidence") == "verified") {
        YAML::Node eb = fm["evidence_basis"];
        if (!eb || !eb.IsSequence() || eb.size() == 0) add("confidence 'verified' requires a non-empty evidence_basis");
      }
    }
    if (YAML::Node pc = fm["performance_claims"]) {
      if (!pc.IsSequence()) {
        add("performance_claims must be a list");
      } else {
        for (const auto& c : pc) {
          if (!c.IsMap()) {
            add("each performance claim must be a mapping");
            continue;
          }
          for (const char* req : {"gpu", "dtype", "shape", "metric", "value", "source_id"})
            if (!c[req]) add(std::string("performance claim missing '") + req + "'");
          if (c["value"]) {
            bool numeric = false;
            try {
              c["value"].as<double>();
              numeric = true;
            } catch (const YAML::Exception&) {
            }
            if (!numeric) add("performance claim value must be numeric");
          }
          std::string sid = str(c, "source_id");
          if (!sid.empty() && !source_ids.empty() && !source_ids.count(sid))
            add("performance claim source_id '" + sid + "' not found in source corpus");
        }
      }
    }
  }
  return out;
}

}  // namespace

std::vector<Problem> kernelwiki_page_problems(const fs::path& root) { return page_problems(root, read_pages(root)); }

ImportReport import_kernelwiki(const ImportOptions& opts) {
  auto t0 = std::chrono::steady_clock::now();
  const fs::path& root = opts.source_dir;
  if (!fs::exists(root)) fail(ErrorKind::kNotFound, "knowledge base " + root.string() + " does not exist");
  if (!fs::is_directory(root / "wiki") && !fs::is_directory(root / "sources"))
    fail(ErrorKind::kInput, root.string() +
                                " is not a KernelWiki-format knowledge base: it has neither a wiki/ nor a sources/ "
                                "directory (give the root of the checkout)");
  if (opts.ns.empty() || opts.ns.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
    fail(ErrorKind::kUsage, "namespace '" + opts.ns + "' must be lower-case letters, digits and '-'");
  if (!fs::is_directory(opts.wiki_dir))
    fail(ErrorKind::kNotFound, "wiki directory " + opts.wiki_dir.string() + " does not exist");

  ImportReport rep;
  auto pages = read_pages(root);
  rep.found = pages.size();
  Vocab vocab = load_vocab(root);
  Aliases aliases = load_aliases(root);

  rep.upstream_rejected = page_problems(root, pages);
  std::set<fs::path> rejected_files;
  for (auto& pr : rep.upstream_rejected) rejected_files.insert(pr.file);
  rep.upstream_accepted = pages.size() - std::count_if(pages.begin(), pages.end(), [&](const Page& p) {
                            return rejected_files.count(p.file) > 0;
                          });

  std::map<std::string, const Page*> by_id;
  std::vector<const Page*> usable;
  // A duplicate id is an error (issue 18: one copy silently replaced the other): nothing is
  // imported until the knowledge base says which page the id means.
  {
    std::map<std::string, std::string> first;
    std::string dups;
    size_t n = 0;
    for (auto& p : pages) {
      if (p.id.empty() || !p.bad.empty()) continue;
      auto [it, ins] = first.emplace(p.id, p.rel);
      if (!ins && ++n <= 20) dups += "\n  " + p.rel + ": id '" + p.id + "' is also the id of " + it->second;
    }
    if (n > 0)
      fail(ErrorKind::kInput, root.string() + ": " + std::to_string(n) + " duplicate page id(s); nothing was imported:" +
                                  dups + (n > 20 ? "\n  ..." : ""));
  }
  for (auto& p : pages) {
    auto skip = [&](const std::string& why) { rep.skipped.push_back({p.file, 0, why}); };
    if (!p.bad.empty()) {
      rep.skipped.push_back({p.file, p.bad_line, p.bad});
    } else if (!p.has_fm) {
      skip("no front matter");
    } else if (!p.parse_error.empty()) {
      skip("malformed front matter: " + p.parse_error);
    } else if (!p.fm.IsMap()) {
      skip("front matter is not a mapping");
    } else if (p.type.empty()) {
      skip("not inside a page-type folder (sources/<type>/ or wiki/<type>/)");
    } else if (p.id.empty()) {
      skip("no id");
    } else if (!by_id.emplace(p.id, &p).second) {
      skip("duplicate id '" + p.id + "' (also in " + by_id[p.id]->rel + ")");
    } else {
      usable.push_back(&p);
    }
  }

  // Convert, then keep only pages our own parser accepts; links to pages left out are dropped.
  std::vector<std::pair<const Page*, Entry>> converted;
  for (auto* p : usable) converted.emplace_back(p, convert(*p, opts.ns, vocab, aliases, by_id, rep.unresolved, rep.truncated));
  std::set<std::string> ok_ids;
  std::vector<std::pair<const Page*, Entry>> kept;
  for (auto& [p, e] : converted) {
    std::vector<Problem> probs;
    if (parse_entry(p->file, render_entry(e), probs)) {
      ok_ids.insert(e.id);
      kept.emplace_back(p, std::move(e));
    } else {
      std::string why;
      for (auto& pr : probs) why += (why.empty() ? "" : "; ") + pr.message;
      rep.skipped.push_back({p->file, 0, "does not map onto our entry format: " + why});
    }
  }

  fs::path imported = opts.wiki_dir / "imported";
  fs::path out = imported / opts.ns;
  fs::path tmp = imported / ("." + opts.ns + ".tmp-" + std::to_string(::getpid()));
  fs::path old = imported / ("." + opts.ns + ".old-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp);
  try {
    for (auto& [p, e] : kept) {
      e.links.erase(std::remove_if(e.links.begin(), e.links.end(), [&](const std::string& l) { return !ok_ids.count(l); }),
                    e.links.end());
      fs::path dest = tmp / p->rel;
      fs::create_directories(dest.parent_path());
      // Plain writes: the whole folder is renamed into place at the end, so a file-by-file
      // atomic (fsync'ed) write would only cost time.
      std::ofstream f(dest, std::ios::binary);
      f << render_entry(e);
      if (!f.flush()) fail(ErrorKind::kEnvironment, "cannot write " + dest.string());
      ++rep.imported;
      if (!rejected_files.count(p->file)) ++rep.imported_of_accepted;
    }
    write_file_atomic(tmp / "README.md", "Imported by `kda wiki import` from a KernelWiki-format knowledge base (namespace '" +
                                      opts.ns + "'). Re-run the import to refresh; do not edit by hand.\n");
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  bool had_old = fs::exists(out);
  if (had_old) fs::rename(out, old);
  fs::rename(tmp, out);
  try {
    build_index(opts.wiki_dir);
  } catch (...) {
    // Put the previous import back so the wiki stays as it was; the index was not touched.
    fs::remove_all(out, ec);
    if (had_old) fs::rename(old, out, ec);
    throw;
  }
  if (had_old) fs::remove_all(old, ec);
  rep.out_dir = out;
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return rep;
}

}  // namespace kda::wiki
