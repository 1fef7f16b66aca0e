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
  std::string s = name;
  if (s.rfind("void ", 0) == 0) s = s.substr(5);
  auto paren = s.find('(');
  if (paren != std::string::npos) s = s.substr(0, paren);
  auto lt = s.find('<');
  if (lt != std::string::npos) s = s.substr(0, lt);
  return s;
}

}  // namespace kda::profile
