#include "task/dataset.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "core/error.h"
#include "core/fs.h"
#include "core/utf8.h"
#include "task/json_guard.h"

namespace kda {
namespace fs = std::filesystem;

namespace {

// Plain Levenshtein distance; names are short (< 100 characters), lists a few hundred long.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// One JSON document from a dataset file; its errors name the file (kInput).
Json read_dataset_json(const fs::path& p) {
  return guard_json(p.string(), [&] { return read_json_file(p); });
}

std::string string_field(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// The JSON files of a folder, recursively, sorted (flashinfer-bench's sorted rglob).
std::vector<fs::path> json_files(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec) && it->path().extension() == ext) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// "author" as one path component: characters outside [A-Za-z0-9._-] become '_', and "." or ".."
// cannot climb out of traces/.
std::string safe_component(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '_';
  if (out.empty()) return "kda";
  if (out.find_first_not_of('.') == std::string::npos) out = "_" + out;
  return out;
}

}  // namespace

bool is_dataset_root(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir / "definitions", ec) && !fs::exists(dir / "definition.json", ec);
}

std::optional<fs::path> dataset_root_of(const fs::path& file) {
  const fs::path abs = fs::absolute(file).lexically_normal();
  for (fs::path p = abs.parent_path(); p.has_relative_path(); p = p.parent_path())
    if (p.filename() == "definitions") {
      if (is_dataset_root(p.parent_path())) return p.parent_path();
      return std::nullopt;
    }
  return std::nullopt;
}

std::vector<DatasetDefinition> list_definitions(const fs::path& root) {
  std::vector<DatasetDefinition> out;
  std::map<std::string, fs::path> seen;
  for (const fs::path& p : json_files(root / "definitions", ".json")) {
    Json j = read_dataset_json(p);
    const std::string name = j.is_object() ? string_field(j, "name") : "";
    if (name.empty()) fail(ErrorKind::kInput, p.string() + ": a definition needs a non-empty \"name\"");
    if (auto [it, fresh] = seen.emplace(name, p); !fresh)
      fail(ErrorKind::kInput, "two definitions are named '" + name + "': " + it->second.string() + " and " + p.string());
    out.push_back({name, string_field(j, "op_type"), p});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::vector<std::string> near_matches(const std::string& wanted, const std::vector<std::string>& known, size_t most) {
  std::vector<std::pair<size_t, std::string>> scored;
  for (const std::string& k : known) {
    const size_t d = edit_distance(wanted, k);
    size_t prefix = 0;
    while (prefix < wanted.size() && prefix < k.size() && wanted[prefix] == k[prefix]) ++prefix;
    // Close in spelling, or one name inside the other, or sharing most of the first name.
    const bool near = d <= std::max<size_t>(2, wanted.size() / 4) || k.find(wanted) != std::string::npos ||
                      wanted.find(k) != std::string::npos || (prefix >= 4 && prefix * 2 >= wanted.size());
    if (near) scored.emplace_back(d, k);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < most; ++i) out.push_back(scored[i].second);
  return out;
}

std::vector<DatasetDefinition> select_definitions(const fs::path& root, const std::vector<std::string>& names,
                                                  const std::string& op_type) {
  if (names.empty() && op_type.empty())
    fail(ErrorKind::kUsage, root.string() + " is a flashinfer-trace dataset: choose definitions with --definition NAME or --op-type TYPE");
  const std::vector<DatasetDefinition> all = list_definitions(root);
  if (all.empty()) fail(ErrorKind::kNotFound, root.string() + ": no definitions under definitions/");
  std::vector<std::string> all_names;
  std::set<std::string> op_types;
  for (const auto& d : all) all_names.push_back(d.name), op_types.insert(d.op_type);
  std::set<std::string> chosen;
  for (const std::string& n : names) {
    if (std::find(all_names.begin(), all_names.end(), n) != all_names.end()) {
      chosen.insert(n);
      continue;
    }
    const auto near = near_matches(n, all_names);
    fail(ErrorKind::kNotFound, root.string() + " has no definition named '" + n + "'" +
                                   (near.empty() ? " (" + std::to_string(all.size()) + " definitions; list them with 'ls " +
                                                       (root / "definitions").string() + "/*')"
                                                 : "; did you mean " + join(near) + "?"));
  }
  if (!op_type.empty()) {
    size_t n = 0;
    for (const auto& d : all)
      if (d.op_type == op_type) chosen.insert(d.name), ++n;
    if (n == 0) {
      const std::vector<std::string> types(op_types.begin(), op_types.end());
      fail(ErrorKind::kNotFound, root.string() + " has no definition of op_type '" + op_type + "' (its op types: " + join(types) + ")");
    }
  }
  std::vector<DatasetDefinition> out;
  for (const auto& d : all)
    if (chosen.count(d.name)) out.push_back(d);
  return out;
}

std::vector<fs::path> dataset_solutions(const fs::path& root, const std::string& definition) {
  std::vector<fs::path> out;
  for (const fs::path& p : json_files(root / "solutions", ".json")) {
    Json j = read_dataset_json(p);
    if (!j.is_object() || string_field(j, "definition") != definition) continue;
    out.push_back(p.filename() == "solution.json" ? p.parent_path() : p);
  }
  return out;
}

TaskDir load_dataset_task(const fs::path& root, const fs::path& definition_file) {
  TaskDir t;
  t.root = root;
  t.dataset = true;
  t.definition_path = definition_file;
  t.definition = load_definition(definition_file);
  t.store = root / ".kda" / safe_component(t.definition.name);
  // flashinfer-bench writes workloads/<op_type>/<name>.jsonl; a dataset whose definitions are
  // nested otherwise mirrors the definition's folder.
  const fs::path rel_dir = fs::relative(definition_file, root / "definitions").parent_path();
  const std::string file = t.definition.name + ".jsonl";
  for (const fs::path& cand : {root / "workloads" / t.definition.op_type / file, root / "workloads" / rel_dir / file,
                               root / "workloads" / file})
    if (fs::is_regular_file(cand)) {
      t.workloads_path = cand;
      break;
    }
  if (t.workloads_path.empty()) t.workloads_path = root / "workloads" / t.definition.op_type / file;  // absent: no workloads
  if (fs::exists(t.workloads_path)) t.workloads = load_workloads(t.workloads_path);
  for (const Workload& w : t.workloads) validate_workload(t, w);
  // A dataset has no baseline/ folder; flashinfer-bench scores against the solution whose
  // author is "baseline". Without one, the judge's rule for a task without a baseline applies.
  for (const fs::path& p : dataset_solutions(root, t.definition.name)) {
    const fs::path file_path = fs::is_directory(p) ? p / "solution.json" : p;
    if (string_field(read_dataset_json(file_path), "author") != "baseline") continue;
    Solution s = load_solution(p);
    if (t.baselines.count(s.language))
      fail(ErrorKind::kInput, p.string() + ": a second " + s.language + " solution by author \"baseline\" for " +
                                  t.definition.name + " (" + t.baselines[s.language].name + " is the first; one per language)");
    t.baselines[s.language] = std::move(s);
  }
  return t;
}

fs::path dataset_trace_file(const TaskDir& task, const std::string& author) {
  fs::path p = task.root / "traces" / safe_component(author);
  if (!task.definition.op_type.empty()) p /= safe_component(task.definition.op_type);
  return p / (safe_component(task.definition.name) + ".jsonl");
}

void append_trace_line(const fs::path& file, const Trace& t) {
  fs::create_directories(file.parent_path());
  std::string line = dump_json(to_json(t)) + "\n";
  std::error_code ec;
  if (fs::exists(file, ec) && fs::file_size(file, ec) > 0) {
    std::ifstream in(file, std::ios::binary);
    in.seekg(-1, std::ios::end);
    if (in.get() != '\n') line = "\n" + line;
  }
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) fail(ErrorKind::kEnvironment, "cannot open " + file.string() + " to append a trace");
  // One write(2) per line with O_APPEND: concurrent writers do not interleave within a line.
  const ssize_t n = ::write(fd, line.data(), line.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) fail(ErrorKind::kEnvironment, "cannot append a trace to " + file.string());
}

}  // namespace kda
