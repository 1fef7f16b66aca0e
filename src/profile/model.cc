#include "profile/model.h"

#include <fmt/format.h>

namespace kda::profile {

std::string Evidence::text() const {
  return fmt::format("{} = {:.4g}{}", metric, value, comparison.empty() ? "" : " (" + comparison + ")");
}

std::optional<double> Kernel::q(const std::string& quantity) const {
  auto it = quantities.find(quantity);
  if (it == quantities.end()) return std::nullopt;
  return it->second;
}

double Kernel::qv(const std::string& quantity, double fallback) const {
  return q(quantity).value_or(fallback);
}

std::string Kernel::short_name() const {
  // The base function name, as ncu's -k matches it: no return type, namespaces, template
  // arguments or parameter list. Anonymous-namespace spellings contain brackets of their own.
  std::string s = name;
  if (s.rfind("void ", 0) == 0) s = s.substr(5);
  for (const std::string anon : {"(anonymous namespace)::", "<unnamed>::"})
    for (size_t p; (p = s.find(anon)) != std::string::npos;) s.erase(p, anon.size());
  std::string base;
  int angle = 0;
  for (char c : s) {
    if (c == '<') ++angle;
    else if (c == '>') angle -= angle > 0;
    else if (angle == 0 && c == '(') break;
    else if (angle == 0) base += c;
  }
  if (auto colon = base.rfind("::"); colon != std::string::npos) base = base.substr(colon + 2);
  while (!base.empty() && base.back() == ' ') base.pop_back();
  return base;
}

}  // namespace kda::profile
