#include "loop/knowledge.h"

#include <algorithm>
#include <cstdlib>

#include "wiki/index.h"

namespace kda::loop {
namespace fs = std::filesystem;

fs::path loop_wiki_dir() {
  const char* env = std::getenv("KDA_WIKI");
  return env && *env ? fs::path(env) : fs::path(KDA_SOURCE_DIR) / "wiki";
}

Json wiki_hits(const fs::path& wiki_dir, const std::string& op_type, const Json& findings, int limit) {
  Json out = Json::array();
  try {
    if (!fs::exists(wiki_dir)) return out;
    wiki::Index index(wiki_dir);
    std::vector<std::string> seen;
    auto add = [&](const wiki::Hit& h, const std::string& why, const std::string& finding_id) {
      if (std::find(seen.begin(), seen.end(), h.id) != seen.end()) return;
      seen.push_back(h.id);
      Json j = {{"id", h.id}, {"title", h.title}, {"kind", h.kind}, {"why", why}};
      if (!finding_id.empty()) j["finding"] = finding_id;
      out.push_back(j);
    };
    // The first four distinct categories that the wiki knows (a category it cannot map is
    // skipped, not an error: the wiki is advice).
    std::vector<std::string> categories;
    for (const Json& f : findings) {
      const std::string c = f.value("category", std::string());
      if (c.empty() || std::find(categories.begin(), categories.end(), c) != categories.end()) continue;
      if (categories.size() == 4) break;
      categories.push_back(c);
      wiki::Query q;
      q.finding = c;
      q.limit = 2;
      std::vector<wiki::Hit> hits;
      try {
        hits = index.search(q);
      } catch (const std::exception&) {
        continue;
      }
      for (const wiki::Hit& h : hits) {
        std::string why = h.kind == "pattern" ? "the pattern page for finding " + c + " (maps it to techniques)"
                                              : "names a technique for finding " + c;
        if (h.kind != "pattern" && !h.techniques.empty()) why += " (" + h.techniques.front() + ")";
        add(h, why, f.value("id", std::string()));
      }
    }
    // Pattern pages first (a finding mapped to techniques), then the rest in search order;
    // room is kept for two entries about the op.
    std::stable_sort(out.begin(), out.end(), [](const Json& a, const Json& b) {
      return (a.value("kind", "") == "pattern") > (b.value("kind", "") == "pattern");
    });
    const size_t for_findings = static_cast<size_t>(std::max(1, limit - 2));
    if (out.size() > for_findings) out.erase(out.begin() + static_cast<long>(for_findings), out.end());
    if (!op_type.empty()) {
      wiki::Query q;
      q.text = op_type;
      q.limit = 3;
      for (const wiki::Hit& h : index.search(q))
        if (static_cast<int>(out.size()) < limit) add(h, "about the task's op type '" + op_type + "'", "");
    }
  } catch (...) {
    // The wiki is advice; a missing or broken one does not stop a run.
  }
  return out;
}

}  // namespace kda::loop
