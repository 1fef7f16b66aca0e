#include "tune/variants.h"

#include "core/error.h"

namespace kda {
namespace {

std::string value_text(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

std::vector<Variant> expand_variants(const Solution& s, size_t limit) {
  std::vector<std::pair<std::string, std::vector<Json>>> space(s.param_space.begin(), s.param_space.end());
  size_t total = 1;
  for (auto& [name, values] : space) {
    if (values.empty()) fail(ErrorKind::kInput, s.name + ": kda.param_space." + name + " lists no values");
    for (const Json& v : values)
      if (!v.is_primitive() || v.is_null())
        fail(ErrorKind::kInput, s.name + ": kda.param_space." + name + " has " + v.dump() +
                                    "; values must be numbers, strings or booleans (they become -D" + name + "=value)");
    total *= values.size();
    if (total > limit)
      fail(ErrorKind::kInput, s.name + ": kda.param_space expands to more than " + std::to_string(limit) +
                                  " variants; narrow the value lists");
  }
  std::vector<Variant> out;
  std::vector<size_t> pick(space.size(), 0);
  for (size_t n = 0; n < total; ++n) {
    Variant v;
    v.solution = s;
    v.origin = s.name;
    for (size_t i = 0; i < space.size(); ++i) {
      const Json& value = space[i].second[pick[i]];
      v.solution.params[space[i].first] = value;
      v.label += (v.label.empty() ? "" : ",") + space[i].first + "=" + value_text(value);
    }
    if (v.label.empty()) v.label = "defaults";
    v.solution.name = s.name + "[" + v.label + "]";
    v.params = Json::object();
    for (auto& [k, val] : v.solution.params) v.params[k] = val;
    v.hash = v.solution.content_hash();
    out.push_back(std::move(v));
    for (size_t i = space.size(); i-- > 0;) {  // odometer: the last parameter turns fastest
      if (++pick[i] < space[i].second.size()) break;
      pick[i] = 0;
    }
  }
  return out;
}

}  // namespace kda
