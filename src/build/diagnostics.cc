#include "build/diagnostics.h"

#include <algorithm>
#include <regex>
#include <sstream>

namespace kda {

namespace {

// "path:12:5: error: ..." / "path:12: note: ..." / "path: In function 'f':" (g++, clang, as)
const std::regex kGnuLocation(R"(^([^\s:][^:]*):(\d+)(?::\d+)?:\s*(fatal error|error|warning|note|Error|Warning)?.*$)");
const std::regex kGnuContext(R"(^([^\s:][^:]*): (In |At |Assembler messages).*$)");
// "path(12): error: ..." (nvcc's front end)
const std::regex kEdgLocation(R"(^([^\s(][^(]*)\((\d+)\): (catastrophic error|error|warning|remark|note)?.*$)");
// "In file included from path:3," / "                 from path:4:" name files, quote nothing.
const std::regex kIncludeChain(R"(^(In file included from|\s+from) [^\s].*$)");
// A message of a tool with no source location ("cc1plus: error: ...", "nvcc fatal : ...").
const std::regex kToolMessage(R"(^([A-Za-z0-9_.+-]+)( fatal)?\s?: .*$|^compilation terminated\.$|^\d+ errors? detected.*$)");

bool is_public(const std::string& path, const std::vector<std::string>& public_dirs) {
  if (path.find("..") != std::string::npos) return false;
  for (const std::string& d : public_dirs)
    if (!d.empty() && path.size() > d.size() && path.compare(0, d.size(), d) == 0 &&
        (d.back() == '/' || path[d.size()] == '/'))
      return true;
  return false;
}

}  // namespace

std::string scrub_diagnostics(const std::string& log, const std::vector<std::string>& own,
                              const std::vector<std::string>& public_dirs) {
  std::istringstream in(log);
  std::ostringstream out;
  bool hiding = false;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    std::string path, line_no, severity;
    bool located = false;
    if (std::regex_match(line, m, kEdgLocation) || std::regex_match(line, m, kGnuLocation)) {
      located = true;
      path = m[1];
      line_no = m[2];
      severity = m[3];
    } else if (std::regex_match(line, m, kGnuContext)) {
      located = true;
      path = m[1];
    }
    if (located) {
      bool allowed = std::find(own.begin(), own.end(), path) != own.end() || is_public(path, public_dirs);
      hiding = !allowed;
      if (allowed) {
        out << line << '\n';
      } else if (!line_no.empty()) {
        out << path << ':' << line_no << ": " << (severity.empty() ? "diagnostic" : severity)
            << ": [hidden: this location is not in the solution's own files]\n";
      }
      continue;
    }
    if (std::regex_match(line, kIncludeChain) || std::regex_match(line, kToolMessage)) {
      hiding = false;
      out << line << '\n';
      continue;
    }
    if (!hiding) out << line << '\n';
  }
  return out.str();
}

}  // namespace kda
