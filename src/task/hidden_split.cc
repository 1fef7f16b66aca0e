#include "task/hidden_split.h"

#include <algorithm>
#include <fstream>
#include <set>

#include "core/error.h"
#include "task/dataset.h"
#include "task/json_guard.h"

namespace kda {
namespace fs = std::filesystem;

std::vector<HiddenEntry> read_hidden_file(const fs::path& file) {
  std::ifstream in(file);
  if (!in) fail(ErrorKind::kNotFound, "cannot read the --hidden file " + file.string());
  std::vector<HiddenEntry> out;
  std::set<std::string> seen;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    const size_t e = line.find_last_not_of(" \t\r");
    HiddenEntry h;
    h.origin = file.string() + ":" + std::to_string(n);
    h.uuid = line.substr(b, e - b + 1);
    if (h.uuid[0] == '{') {
      Json j = guard_json(h.origin, [&] { return parse_json(h.uuid, h.origin); });
      h.workload = parse_workload(j, h.origin);
      h.workload->origin = h.origin;
      h.uuid = h.workload->uuid;
    }
    if (!seen.insert(h.uuid).second) fail(ErrorKind::kInput, h.origin + ": workload '" + h.uuid + "' is named twice");
    out.push_back(std::move(h));
  }
  if (out.empty()) fail(ErrorKind::kInput, file.string() + " names no workloads (one uuid or workload JSON per line)");
  return out;
}

std::vector<bool> apply_hidden(TaskDir& task, const std::vector<HiddenEntry>& entries, const fs::path& file, bool only_task) {
  std::vector<std::string> known;
  for (const Workload& w : task.workloads) known.push_back(w.uuid);
  std::set<std::string> hidden;
  std::vector<bool> used(entries.size(), false);
  std::vector<Workload> added;
  for (size_t i = 0; i < entries.size(); ++i) {
    const HiddenEntry& h = entries[i];
    const bool have = std::find(known.begin(), known.end(), h.uuid) != known.end();
    if (h.workload && !have) {
      const std::string& def = h.workload->definition;
      if (def == task.definition.name || (def.empty() && only_task)) {
        validate_workload(task, *h.workload);
        added.push_back(*h.workload);
        used[i] = true;
      }
    } else {
      used[i] = have;
    }
    if (used[i]) {
      hidden.insert(h.uuid);
      continue;
    }
    if (only_task) {
      std::string hint;
      for (const auto& s : near_matches(h.uuid, known, 3)) hint += (hint.empty() ? "; did you mean " : ", ") + s;
      fail(ErrorKind::kInput, h.origin + ": workload '" + h.uuid + "' is not a workload of " + task.definition.name + " (" +
                                  task.workloads_file().string() + ")" + (hint.empty() ? "" : hint + "?"));
    }
  }
  for (Workload& w : added) task.workloads.push_back(std::move(w));
  for (Workload& w : task.workloads) w.split = hidden.count(w.uuid) ? Split::kHidden : Split::kPublic;
  task.hidden_path = file;
  return used;
}

void apply_hidden_file(TaskDir& task, const fs::path& file) { apply_hidden(task, read_hidden_file(file), file, true); }

}  // namespace kda
