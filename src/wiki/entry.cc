#include "wiki/entry.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "core/utf8.h"
#include "wiki/vocab.h"

namespace kda::wiki {
namespace fs = std::filesystem;

std::string Problem::to_string() const {
  return file.string() + (line > 0 ? ":" + std::to_string(line) : "") + ": " + message;
}

namespace {

// Collects problems for one file; YAML marks are 0-based lines inside the front matter, which
// starts on the file's second line.
struct Ctx {
  const fs::path& file;
  std::vector<Problem>& problems;
  int line_of(const YAML::Node& n) const { return n.Mark().line >= 0 ? n.Mark().line + 2 : 0; }
  void add(const YAML::Node& n, std::string msg) const { problems.push_back({file, line_of(n), std::move(msg)}); }
  void add(int line, std::string msg) const { problems.push_back({file, line, std::move(msg)}); }
};

bool get_string(const Ctx& c, const YAML::Node& root, const char* key, std::string& out, bool required) {
  YAML::Node n = root[key];
  if (!n) {
    if (required) c.add(1, std::string("missing required field '") + key + "'");
    return false;
  }
  if (!n.IsScalar()) {
    c.add(n, std::string("field '") + key + "' must be a string");
    return false;
  }
  out = n.as<std::string>();
  if (required && out.empty()) {
    c.add(n, std::string("field '") + key + "' is empty");
    return false;
  }
  return true;
}

std::vector<std::string> get_list(const Ctx& c, const YAML::Node& root, const char* key) {
  std::vector<std::string> out;
  YAML::Node n = root[key];
  if (!n || n.IsNull()) return out;
  if (n.IsScalar()) return {n.as<std::string>()};
  if (!n.IsSequence()) {
    c.add(n, std::string("field '") + key + "' must be a list of strings");
    return out;
  }
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      c.add(item, std::string("field '") + key + "' must contain only strings");
      continue;
    }
    out.push_back(item.as<std::string>());
  }
  return out;
}

std::string scalar(const YAML::Node& n, const char* key) {
  YAML::Node v = n[key];
  return v && v.IsScalar() ? v.as<std::string>() : "";
}

std::string first_paragraph(const std::string& body) {
  std::string para;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find('\n', pos);
    std::string line = body.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    pos = eol == std::string::npos ? body.size() : eol + 1;
    bool blank = line.find_first_not_of(" \t\r") == std::string::npos;
    if (blank || line[0] == '#') {
      if (!para.empty()) break;
      continue;
    }
    if (!para.empty()) para += ' ';
    para += line;
  }
  return para;
}

}  // namespace

std::optional<Entry> parse_entry(const fs::path& file, const std::string& text, std::vector<Problem>& problems) {
  Ctx c{file, problems};
  size_t before = problems.size();
  if (text.rfind("---\n", 0) != 0 && text.rfind("---\r\n", 0) != 0) {
    c.add(1, "no YAML front matter: the file must start with a '---' line");
    return std::nullopt;
  }
  size_t start = text.find('\n') + 1;
  size_t end = std::string::npos;
  int close_line = 0;
  {
    size_t pos = start;
    int line = 2;
    while (pos < text.size()) {
      size_t eol = text.find('\n', pos);
      std::string l = text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
      if (!l.empty() && l.back() == '\r') l.pop_back();
      if (l == "---") {
        end = pos;
        close_line = line;
        break;
      }
      if (eol == std::string::npos) break;
      pos = eol + 1;
      ++line;
    }
  }
  if (end == std::string::npos) {
    c.add(1, "front matter is not closed: no second '---' line");
    return std::nullopt;
  }
  YAML::Node root;
  try {
    root = YAML::Load(text.substr(start, end - start));
  } catch (const YAML::Exception& e) {
    c.add(e.mark.line >= 0 ? e.mark.line + 2 : 1, "malformed front matter: " + e.msg);
    return std::nullopt;
  }
  if (!root.IsMap()) {
    c.add(2, "front matter must be a YAML mapping (key: value lines)");
    return std::nullopt;
  }

  Entry e;
  e.path = file;
  size_t body_start = text.find('\n', end);
  e.body = body_start == std::string::npos ? "" : text.substr(body_start + 1);
  e.body_line = close_line + 1;

  if (YAML::Node v = root["schema_version"]) {
    try {
      e.schema_version = v.as<int>();
    } catch (const YAML::Exception&) {
      c.add(v, "schema_version must be an integer");
    }
    if (e.schema_version != kEntrySchemaVersion)
      c.add(v, "schema_version " + std::to_string(e.schema_version) + " is not supported (this kda reads " +
                   std::to_string(kEntrySchemaVersion) + ")");
  } else {
    c.add(1, "missing required field 'schema_version'");
  }
  get_string(c, root, "id", e.id, true);
  get_string(c, root, "title", e.title, true);
  get_string(c, root, "namespace", e.ns, false);
  std::string local_id = e.id;
  if (!e.ns.empty()) {
    if (e.id.rfind(e.ns + ".", 0) != 0)
      c.add(root["id"], "id '" + e.id + "' must start with its namespace '" + e.ns + ".'");
    else
      local_id = e.id.substr(e.ns.size() + 1);
  }
  if (get_string(c, root, "kind", e.kind, true)) {
    std::string prefix = kind_prefix(e.kind);
    // An imported knowledge base may define page types of its own (a fork's sources/code/ or
    // wiki/tools/): they stay their own kind instead of being dropped (issue 18).
    bool foreign = prefix.empty() && !e.ns.empty() && !e.kind.empty() &&
                   e.kind.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
    if (foreign) {
    } else if (prefix.empty()) {
      std::string all;
      for (auto& k : known_kinds()) all += (all.empty() ? "" : ", ") + k;
      c.add(root["kind"], "unknown kind '" + e.kind + "' (expected one of: " + all + ")");
    } else if (e.ns.empty() && !local_id.empty() && local_id.rfind(prefix, 0) != 0) {
      // Imported ids keep the prefixes their own knowledge base chose (a fork writes
      // wiki-hardware-...); the upstream validator's rules report those, the import keeps the page.
      c.add(root["id"], "id '" + e.id + "' must start with '" + (e.ns.empty() ? "" : e.ns + ".") + prefix +
                            "' for kind " + e.kind);
    }
  }
  e.tags = get_list(c, root, "tags");
  if (YAML::Node up = root["upstream"]) {
    if (up.IsScalar()) {
      e.upstream = up.as<std::string>();  // the original front matter, verbatim text
    } else {
      YAML::Emitter em;  // older imports stored it as a mapping
      em << up;
      e.upstream = em.c_str();
    }
  }
  if (!e.id.empty()) {
    for (char ch : e.id)
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.')) {
        c.add(root["id"], "id '" + e.id + "' may contain only letters, digits, '-', '_' and '.'");
        break;
      }
  }
  if (get_string(c, root, "confidence", e.confidence, true)) {
    auto& levels = confidence_levels();
    if (std::find(levels.begin(), levels.end(), e.confidence) == levels.end())
      c.add(root["confidence"], "confidence '" + e.confidence +
                                    "' is not one of verified, source-reported, inferred, experimental");
  }
  if (get_string(c, root, "reproducibility", e.reproducibility, false)) {
    auto& levels = reproducibility_levels();
    if (std::find(levels.begin(), levels.end(), e.reproducibility) == levels.end())
      c.add(root["reproducibility"],
            "reproducibility '" + e.reproducibility + "' is not one of concept, pseudocode, snippet, code-pointer, runnable, benchmarked");
  }
  for (auto& a : get_list(c, root, "architectures")) {
    std::string canon = canonical_arch(a);
    if (canon.empty())
      c.add(root["architectures"], "unknown architecture '" + a + "' (use sm90, sm100, gfx942, ... or any)");
    else if (std::find(e.architectures.begin(), e.architectures.end(), canon) == e.architectures.end())
      e.architectures.push_back(canon);
  }
  e.kernel_types = get_list(c, root, "kernel_types");
  e.techniques = get_list(c, root, "techniques");
  e.hardware_features = get_list(c, root, "hardware_features");
  e.links = get_list(c, root, "links");
  e.symptoms = get_list(c, root, "symptoms");
  for (auto& s : e.symptoms) {
    auto& cats = finding_categories();
    if (std::find(cats.begin(), cats.end(), s) == cats.end())
      c.add(root["symptoms"], "symptom '" + s + "' is not a profiler finding category (DESIGN §5)");
  }
  if (YAML::Node d = root["draft"]) {
    try {
      e.draft = d.as<bool>();
    } catch (const YAML::Exception&) {
      c.add(d, "draft must be true or false");
    }
  }
  get_string(c, root, "summary", e.summary, false);
  if (e.summary.empty()) e.summary = first_paragraph(e.body);

  if (YAML::Node pc = root["performance_claims"]) {
    if (!pc.IsSequence()) {
      c.add(pc, "performance_claims must be a list");
    } else {
      for (const auto& p : pc) {
        if (!p.IsMap()) {
          c.add(p, "each performance claim must be a mapping (gpu, dtype, shape, metric, value, source)");
          continue;
        }
        PerformanceClaim claim{scalar(p, "gpu"),    scalar(p, "dtype"), scalar(p, "shape"),
                               scalar(p, "metric"), scalar(p, "value"), scalar(p, "source")};
        if (claim.metric.empty() || claim.value.empty())
          c.add(p, "a performance claim needs at least metric and value");
        e.performance_claims.push_back(claim);
      }
    }
  }

  YAML::Node srcs = root["sources"];
  if (!srcs || !srcs.IsSequence() || srcs.size() == 0) {
    c.add(srcs ? c.line_of(srcs) : 1, "missing sources: every entry needs at least one source");
  } else {
    bool has_code = false, has_doc = false;
    for (const auto& s : srcs) {
      if (!s.IsMap()) {
        c.add(s, "each source must be a mapping (repo, pr or commit, url, date)");
        continue;
      }
      Source src;
      src.type = scalar(s, "type");
      if (src.type.empty()) src.type = "code";
      src.repo = scalar(s, "repo");
      src.commit = scalar(s, "commit");
      src.url = scalar(s, "url");
      src.date = scalar(s, "date");
      src.title = scalar(s, "title");
      src.path = scalar(s, "path");
      if (YAML::Node pr = s["pr"]) {
        try {
          src.pr = pr.as<long>();
        } catch (const YAML::Exception&) {
          c.add(pr, "source pr must be a number");
        }
      }
      if (src.type == "upstream-page") {
        // An imported page whose upstream record has no URL: provenance is the page itself.
        if (e.ns.empty()) c.add(s, "source type 'upstream-page' is only for imported entries (with a namespace)");
        if (src.path.empty()) c.add(s, "an upstream-page source needs the page's path");
        e.sources.push_back(src);
        continue;
      }
      if (src.url.empty() || src.url.rfind("https://", 0) != 0) c.add(s, "source needs an https url");
      if (src.type == "code") {
        has_code = true;
        if (src.repo.empty() || src.repo.find('/') == std::string::npos)
          c.add(s, "source needs a repo as owner/name");
        if (!src.pr && src.commit.empty()) c.add(s, "source needs a pr number or a commit sha");
        if (!src.commit.empty() &&
            (src.commit.size() < 7 || src.commit.find_first_not_of("0123456789abcdef") != std::string::npos))
          c.add(s, "source commit '" + src.commit + "' is not a hex sha (at least 7 digits)");
      } else if (src.type == "doc" || src.type == "blog") {
        has_doc = true;
      } else {
        c.add(s, "source type '" + src.type + "' is not one of code, doc, blog, upstream-page");
      }
      e.sources.push_back(src);
    }
    if (e.confidence == "verified" && !(has_code && has_doc))
      c.add(root["confidence"], "confidence 'verified' needs an official doc and upstream code among the sources");
    if (!has_code && e.kind == "source-pr") c.add(srcs, "a source-pr entry needs a code source (repo + pr/commit)");
  }
  if (problems.size() != before) return std::nullopt;
  return e;
}

std::vector<fs::path> entry_files(const fs::path& dir, std::vector<Problem>* problems) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail(ErrorKind::kNotFound, "wiki directory " + dir.string() + " does not exist");
  auto report = [&](const fs::path& p, const std::string& m) {
    if (problems) problems->push_back({p, 0, m});
  };
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) fail(ErrorKind::kEnvironment, "cannot read the wiki directory " + dir.string() + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) {
      report(dir, "cannot read a directory of the wiki: " + ec.message());
      ec.clear();
      break;
    }
    const fs::path& p = it->path();
    std::string name = p.filename().string();
    std::error_code sec;
    auto lst = it->symlink_status(sec);  // cached from the directory read: no stat per file
    if (fs::is_directory(lst)) {
      if (!name.empty() && name[0] == '.') it.disable_recursion_pending();
      continue;
    }
    if (p.extension() != ".md" || name == "README.md" || name[0] == '_') continue;
    if (fs::is_symlink(lst)) {
      auto target = fs::status(p, sec);
      if (sec) {
        report(p, "symbolic link that cannot be followed (" + sec.message() + "); entry skipped");
        continue;
      }
      if (!fs::is_regular_file(target)) {
        if (!fs::is_directory(target)) report(p, "symbolic link to something that is not a file; entry skipped");
        continue;
      }
    } else if (!fs::is_regular_file(lst)) {
      report(p, "not a regular file; entry skipped");
      continue;
    }
    out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool check_entry_bytes(const fs::path& file, const std::string& text, std::vector<Problem>& problems) {
  if (size_t nul = text.find('\0'); nul != std::string::npos) {
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(nul), '\n'));
    problems.push_back({file, line, "binary content (a NUL byte): not a Markdown entry; entry skipped"});
    return false;
  }
  if (is_valid_utf8(text)) return true;
  // Find the first bad byte: the longest valid prefix, grown line by line.
  size_t pos = 0;
  int line = 1;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    size_t len = (eol == std::string::npos ? text.size() : eol) - pos;
    if (!is_valid_utf8(std::string_view(text).substr(pos, len))) break;
    if (eol == std::string::npos) break;
    pos = eol + 1;
    ++line;
  }
  problems.push_back({file, line, "invalid UTF-8 (entries must be UTF-8 text); entry skipped"});
  return false;
}

LoadResult load_wiki(const fs::path& dir) {
  LoadResult r;
  auto files = entry_files(dir, &r.problems);
  r.files = files.size();
  for (auto& f : files) {
    std::error_code ec;
    auto size = fs::file_size(f, ec);
    if (ec) {
      r.problems.push_back({f, 0, "cannot read: " + ec.message() + "; entry skipped"});
      continue;
    }
    if (size > kMaxEntryBytes) {
      r.problems.push_back({f, 0, "entry is " + std::to_string(size) + " bytes, over the " +
                                      std::to_string(kMaxEntryBytes >> 20) +
                                      " MiB limit for one entry (summarise the source and link to it); entry skipped"});
      continue;
    }
    std::string text;
    try {
      text = read_file(f);
    } catch (const std::exception& e) {
      r.problems.push_back({f, 0, std::string("cannot read: ") + e.what() + "; entry skipped"});
      continue;
    }
    if (!check_entry_bytes(f, text, r.problems)) continue;
    std::optional<Entry> e;
    try {
      e = parse_entry(f, text, r.problems);
    } catch (const std::exception& ex) {  // yaml-cpp conversions deep in odd input
      r.problems.push_back({f, 0, std::string("unreadable front matter: ") + ex.what() + "; entry skipped"});
    }
    if (!e) continue;
    r.entries.push_back(std::move(*e));
    r.hashes.push_back(sha256_hex(text));
  }
  // The first holder of an id (in path order) keeps it; a second one is left out.
  std::map<std::string, fs::path> ids;
  std::vector<Entry> kept;
  std::vector<std::string> kept_hashes;
  for (size_t i = 0; i < r.entries.size(); ++i) {
    auto& e = r.entries[i];
    auto [it, inserted] = ids.emplace(e.id, e.path);
    if (!inserted) {
      r.problems.push_back({e.path, 0, "duplicate id '" + e.id + "' (also in " + it->second.string() + "); entry skipped"});
      continue;
    }
    kept.push_back(std::move(e));
    kept_hashes.push_back(std::move(r.hashes[i]));
  }
  r.entries = std::move(kept);
  r.hashes = std::move(kept_hashes);
  for (auto& e : r.entries)
    for (auto& l : e.links)
      if (!ids.count(l)) r.problems.push_back({e.path, 0, "link to '" + l + "' does not resolve to any entry"});
  std::stable_sort(r.problems.begin(), r.problems.end(),
                   [](const Problem& a, const Problem& b) { return a.file < b.file; });
  return r;
}

namespace {
std::string yaml_list(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    bool plain = !v[i].empty() && std::all_of(v[i].begin(), v[i].end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
    if (plain) {
      s += (i ? ", " : "") + v[i];
    } else {
      YAML::Emitter em;
      em << YAML::DoubleQuoted << v[i];
      s += (i ? ", " : "") + std::string(em.c_str());
    }
  }
  return s + "]";
}
std::string quoted(const std::string& s) {
  YAML::Emitter em;
  em << YAML::DoubleQuoted << s;
  return em.c_str();
}
}  // namespace

std::string entry_date(const Entry& e) {
  std::string d;
  for (auto& s : e.sources)
    if (s.date > d) d = s.date;
  return d;
}

std::string render_entry(const Entry& e) {
  std::string s = "---\nschema_version: " + std::to_string(e.schema_version) + "\nid: " + e.id +
                  "\ntitle: " + quoted(e.title) + "\nkind: " + e.kind + "\n";
  if (!e.ns.empty()) s += "namespace: " + e.ns + "\n";
  if (e.draft) s += "draft: true\n";
  s += "architectures: " + yaml_list(e.architectures) + "\n";
  s += "kernel_types: " + yaml_list(e.kernel_types) + "\n";
  s += "techniques: " + yaml_list(e.techniques) + "\n";
  s += "hardware_features: " + yaml_list(e.hardware_features) + "\n";
  if (!e.tags.empty()) s += "tags: " + yaml_list(e.tags) + "\n";
  if (!e.symptoms.empty()) s += "symptoms: " + yaml_list(e.symptoms) + "\n";
  if (!e.links.empty()) s += "links: " + yaml_list(e.links) + "\n";
  s += "confidence: " + e.confidence + "\n";
  if (!e.reproducibility.empty()) s += "reproducibility: " + e.reproducibility + "\n";
  if (!e.summary.empty()) s += "summary: " + quoted(e.summary) + "\n";
  if (!e.performance_claims.empty()) {
    s += "performance_claims:\n";
    for (auto& p : e.performance_claims)
      s += "  - gpu: " + quoted(p.gpu) + "\n    dtype: " + quoted(p.dtype) + "\n    shape: " + quoted(p.shape) +
           "\n    metric: " + quoted(p.metric) + "\n    value: " + quoted(p.value) + "\n    source: " + quoted(p.source) +
           "\n";
  }
  s += "sources:\n";
  for (auto& src : e.sources) {
    s += "  - type: " + (src.type.empty() ? std::string("code") : src.type) + "\n";
    if (!src.repo.empty()) s += "    repo: " + src.repo + "\n";
    if (src.pr) s += "    pr: " + std::to_string(*src.pr) + "\n";
    if (!src.commit.empty()) s += "    commit: " + quoted(src.commit) + "\n";
    if (!src.url.empty()) s += "    url: " + quoted(src.url) + "\n";
    if (!src.path.empty()) s += "    path: " + quoted(src.path) + "\n";
    if (!src.date.empty()) s += "    date: " + quoted(src.date) + "\n";
    if (!src.title.empty()) s += "    title: " + quoted(src.title) + "\n";
  }
  if (!e.upstream.empty()) {
    // A literal block: the upstream text comes back byte for byte as one string, so no value in
    // it is re-typed by another YAML reader (issue 18: '03422621' became an octal number).
    std::string up = e.upstream;
    up.erase(std::remove(up.begin(), up.end(), '\r'), up.end());
    while (!up.empty() && up.back() == '\n') up.pop_back();
    s += "upstream: |2-\n";
    size_t pos = 0;
    while (pos < up.size()) {
      size_t eol = up.find('\n', pos);
      std::string line = up.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
      s += line.empty() ? "\n" : "  " + line + "\n";
      pos = eol == std::string::npos ? up.size() : eol + 1;
    }
  }
  s += "---\n" + e.body;
  return s;
}

fs::path add_entry(const fs::path& wiki_dir, Entry e) {
  LoadResult current = load_wiki(wiki_dir);
  std::set<std::string> ids;
  for (auto& x : current.entries) ids.insert(x.id);
  std::string prefix = kind_prefix(e.kind);
  if (prefix.empty()) {
    std::string all;
    for (auto& k : known_kinds()) all += (all.empty() ? "" : ", ") + k;
    fail(ErrorKind::kUsage, "kda wiki add: unknown kind '" + e.kind + "' (one of: " + all + ")");
  }
  if (e.id.empty()) {
    std::string slug;
    for (char ch : lower(e.title)) {
      if (std::isalnum(static_cast<unsigned char>(ch)))
        slug += ch;
      else if (!slug.empty() && slug.back() != '-')
        slug += '-';
      if (slug.size() >= 48) break;
    }
    while (!slug.empty() && slug.back() == '-') slug.pop_back();
    if (slug.empty()) fail(ErrorKind::kUsage, "kda wiki add: give --title (the id is made from it) or --id");
    std::string base = slug.rfind(prefix, 0) == 0 ? slug : prefix + slug;
    e.id = base;
    for (int n = 2; ids.count(e.id); ++n) e.id = base + "-" + std::to_string(n);
  } else if (ids.count(e.id)) {
    fail(ErrorKind::kInput, "kda wiki add: id '" + e.id + "' is already used (kda wiki show " + e.id + ")");
  }
  if (e.kind == "source-pr")
    for (auto& s : e.sources)
      for (auto& x : current.entries)
        for (auto& xs : x.sources)
          if (x.kind == "source-pr" && s.pr && xs.pr && *s.pr == *xs.pr && lower(s.repo) == lower(xs.repo))
            fail(ErrorKind::kInput, "kda wiki add: " + s.repo + "#" + std::to_string(*s.pr) + " is already recorded by " +
                                        x.id + " (" + x.path.string() + ")");
  static const std::map<std::string, std::string> folder = {
      {"source-pr", "sources"}, {"source-doc", "sources"},   {"source-blog", "sources"},
      {"source-contest", "sources"}, {"source-experience", "sources"}, {"hardware", "hardware"}, {"technique", "techniques"},
      {"kernel", "kernels"},    {"pattern", "patterns"},     {"language", "languages"}, {"migration", "migrations"}};
  fs::path dest = wiki_dir / folder.at(e.kind) / (e.id + ".md");
  if (fs::exists(dest)) fail(ErrorKind::kInput, "kda wiki add: " + dest.string() + " already exists");
  std::string text = render_entry(e);
  std::vector<Problem> problems;
  auto parsed = parse_entry(dest, text, problems);
  if (parsed)
    for (auto& l : parsed->links)
      if (!ids.count(l)) problems.push_back({dest, 0, "link to '" + l + "' does not resolve to any entry"});
  if (!problems.empty()) {
    std::string msg = "kda wiki add: the new entry is not valid, nothing was written:";
    for (auto& p : problems) msg += "\n  " + p.message + (p.line ? " (front matter line " + std::to_string(p.line) + ")" : "");
    fail(ErrorKind::kInput, msg);
  }
  fs::create_directories(dest.parent_path());
  write_file_atomic(dest, text);
  return dest;
}

}  // namespace kda::wiki
