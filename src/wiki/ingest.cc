#include "wiki/ingest.h"

#include <chrono>
#include <cstring>
#include <map>
#include <regex>
#include <set>

#include "core/error.h"
#include "core/fs.h"
#include "core/utf8.h"
#include "core/plugin.h"
#include "wiki/entry.h"
#include "wiki/git_plugin.h"
#include "wiki/vocab.h"

namespace kda::wiki {
namespace fs = std::filesystem;

namespace {

struct Tag {
  const char* needle;
  const char* technique;
  const char* kernel_type;
  const char* arch;
};

// keyword (lower case, found in message or paths) -> technique / kernel type / arch tags. A
// keyword matches as a whole word (issue 18: "umma" inside "summary" tagged 490 FlashInfer drafts
// tcgen05, "tma" inside "softmax" gave tma); a trailing '*' lets it match as a word's start
// ("vectoriz*": vectorize, vectorized, vectorization).
const std::vector<Tag>& tags() {
  static const std::vector<Tag> t = {
      {"wgmma", "wgmma", "", "sm90"},          {"tma", "tma", "", ""},
      {"multicast", "tma-multicast", "", ""},  {"cp.async", "cp-async", "", ""},
      {"mbarrier", "mbarrier", "", ""},        {"warp special*", "warp-specialization", "", ""},
      {"warp-special*", "warp-specialization", "", ""}, {"warpspecial*", "warp-specialization", "", ""},
      {"pingpong", "ping-pong", "", ""},       {"ping-pong", "ping-pong", "", ""},
      {"swizzl*", "swizzle", "", ""},          {"bank conflict*", "padding", "", ""},
      {"fp8", "fp8", "", ""},                  {"fp4", "fp4", "", ""},
      {"nvfp4", "fp4", "", "sm100"},           {"mxfp*", "block-scaling", "", ""},
      {"split-k", "split-k", "gemm", ""},      {"splitk", "split-k", "gemm", ""},
      {"split_k", "split-k", "gemm", ""},      {"stream-k", "stream-k", "gemm", ""},
      {"streamk", "stream-k", "gemm", ""},     {"split-kv", "split-kv", "attention", ""},
      {"split_kv", "split-kv", "attention", ""}, {"persistent", "persistent-kernel", "", ""},
      {"tcgen05", "tcgen05", "", "sm100"},     {"umma", "tcgen05", "", "sm100"},
      {"tmem", "tmem", "", "sm100"},           {"2cta", "tcgen05", "", "sm100"},
      {"mfma", "mfma", "", "gfx942"},          {"xdlops", "mfma", "", ""},
      {"setmaxnreg", "register-reallocation", "", "sm90"},
      {"vectoriz*", "vectorized-loads", "", ""}, {"fused", "operator-fusion", "", ""},
      {"fuse", "operator-fusion", "", ""},     {"fusion", "operator-fusion", "", ""},
      {"cuda graph*", "cuda-graphs", "", ""},
      {"radix", "radix-select", "topk", ""},   {"top-k", "", "topk", ""},
      {"topk", "", "topk", ""},                {"top_k", "", "topk", ""},
      {"sampling", "", "sampling", ""},        {"attention", "", "attention", ""},
      {"fmha", "", "attention", ""},           {"mla", "", "attention", ""},
      {"decode", "", "decode", ""},            {"decoding", "", "decode", ""},
      {"prefill", "", "prefill", ""},
      {"gemm*", "", "gemm", ""},               {"matmul", "", "gemm", ""},
      {"moe", "", "moe", ""},                  {"grouped", "grouped-gemm", "", ""},
      {"rmsnorm", "", "rmsnorm", ""},          {"rms_norm", "", "rmsnorm", ""},
      {"layernorm", "", "normalization", ""},  {"softmax", "", "softmax", ""},
      {"gdn", "", "gated-delta-net", ""},      {"delta_rule", "", "gated-delta-net", ""},
      {"sm90", "", "", "sm90"},                {"sm90a", "", "", "sm90"},
      {"sm_90", "", "", "sm90"},               {"sm_90a", "", "", "sm90"},
      {"hopper", "", "", "sm90"},              {"h100", "", "", "sm90"},
      {"sm100", "", "", "sm100"},              {"sm100a", "", "", "sm100"},
      {"sm_100", "", "", "sm100"},             {"sm_100a", "", "", "sm100"},
      {"blackwell", "", "", "sm100"},          {"b200", "", "", "sm100"},
      {"sm120", "", "", "sm120"},              {"sm120a", "", "", "sm120"},
      {"sm_120", "", "", "sm120"},             {"sm_120a", "", "", "sm120"},
      {"sm80", "", "", "sm80"},                {"ampere", "", "", "sm80"},
      {"gfx942", "", "", "gfx942"},            {"mi300*", "", "", "gfx942"},
      {"mi325*", "", "", "gfx942"},            {"cdna3", "", "", "gfx942"},
      {"gfx950", "", "", "gfx950"},            {"mi355*", "", "", "gfx950"},
      {"mi350*", "", "", "gfx950"},            {"cdna4", "", "", "gfx950"},
      {"mi35x", "", "", "gfx950"},             {"mi30x", "", "", "gfx942"},
      {"gfx90a", "", "", "gfx90a"},            {"mi250*", "", "", "gfx90a"},
  };
  return t;
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

// The libgit2 half (ingest_git.cc) is the plugin kda-wiki-git.so, loaded on first use.
const GitPlugin& git_plugin() {
  static const GitPlugin* plugin = [] {
    auto get = reinterpret_cast<const GitPlugin* (*)()>(
        plugin_symbol(kGitPluginFile, kGitPluginSymbol, "kda wiki ingest-git and check --git"));
    const GitPlugin* p = get();
    if (!p || p->abi != kGitPluginAbi || p->layout != git_plugin_layout())
      fail(ErrorKind::kEnvironment, std::string(kGitPluginFile) + " was built for another version of kda; rebuild kda");
    return p;
  }();
  return *plugin;
}

}  // namespace

bool contains_word(std::string_view text, std::string_view needle) {
  bool prefix = !needle.empty() && needle.back() == '*';
  if (prefix) needle.remove_suffix(1);
  if (needle.empty()) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (size_t pos = text.find(needle); pos != std::string_view::npos; pos = text.find(needle, pos + 1)) {
    bool left = pos == 0 || !word(text[pos - 1]) || !word(needle.front());
    size_t end = pos + needle.size();
    bool right = prefix || end >= text.size() || !word(text[end]) || !word(needle.back());
    if (left && right) return true;
  }
  return false;
}

DetectedTags detect_tags(const std::string& lower_text) {
  DetectedTags d;
  for (auto& t : tags()) {
    if (!contains_word(lower_text, t.needle)) continue;
    add_unique(d.techniques, t.technique);
    add_unique(d.kernel_types, t.kernel_type);
    add_unique(d.architectures, t.arch);
  }
  return d;
}

std::vector<std::string> technique_keywords(const std::string& technique) {
  std::vector<std::string> out;
  for (auto& t : tags())
    if (technique == t.technique) out.push_back(t.needle);
  return out;
}

CommitText read_commit_text(const std::string& message) {
  CommitText c;
  std::string msg = valid_utf8(message);
  size_t nl = msg.find('\n');
  c.subject = msg.substr(0, nl);
  while (!c.subject.empty() && std::isspace(static_cast<unsigned char>(c.subject.back()))) c.subject.pop_back();
  std::string rest = nl == std::string::npos ? "" : msg.substr(nl + 1);
  // The description: lines that say something, without trailers, PR-template boilerplate,
  // HTML comments, headings and checklists.
  bool in_comment = false;
  std::string para;
  std::vector<std::string> paras;
  size_t pos = 0;
  while (pos <= rest.size()) {
    size_t eol = rest.find('\n', pos);
    std::string line = rest.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    pos = eol == std::string::npos ? rest.size() + 1 : eol + 1;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    size_t lead = line.find_first_not_of(" \t");
    std::string t = lead == std::string::npos ? "" : line.substr(lead);
    if (t.find("<!--") != std::string::npos) in_comment = t.find("-->") == std::string::npos;
    else if (in_comment) {
      if (t.find("-->") != std::string::npos) in_comment = false;
      continue;
    }
    std::string lt = lower(t);
    bool boiler = t.empty() || t[0] == '#' || t.rfind("- [", 0) == 0 || t.rfind("* [", 0) == 0 || t.rfind("<", 0) == 0 ||
                  t.rfind("|", 0) == 0 || t.rfind("```", 0) == 0 || lt.rfind("signed-off-by:", 0) == 0 ||
                  lt.rfind("co-authored-by:", 0) == 0 || lt.rfind("reviewed-by:", 0) == 0 ||
                  lt.rfind("pull request resolved:", 0) == 0 || lt.rfind("closes #", 0) == 0 ||
                  lt.rfind("fixes #", 0) == 0 || lt.rfind("cc @", 0) == 0 || t.find("-->") != std::string::npos ||
                  std::none_of(t.begin(), t.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)); }) ||
                  lt == "n/a" || lt == "none" || lt.rfind("please ", 0) == 0 || lt.find("thank you for") != std::string::npos;
    if (boiler) {
      if (!para.empty()) paras.push_back(para);
      para.clear();
      continue;
    }
    if (t.rfind("- ", 0) == 0 || t.rfind("* ", 0) == 0) t = t.substr(2);
    para += (para.empty() ? "" : " ") + t;
  }
  if (!para.empty()) paras.push_back(para);
  for (auto& p : paras) {
    if (c.description.size() > 3000) {
      c.description_cut = true;
      break;
    }
    c.description += (c.description.empty() ? "" : "\n\n") + p;
  }
  if (c.description.size() > 3000) {
    size_t cut = 3000;
    while (cut > 0 && (static_cast<unsigned char>(c.description[cut]) & 0xC0) == 0x80) --cut;
    c.description.resize(cut);
    c.description_cut = true;
  }
  // Benchmark figures: "1.7x", "35%", "120 us", "900 TFLOPS", "3.2 TB/s" in the whole message.
  static const std::regex fig(R"((^|[^A-Za-z0-9.])([0-9]+(\.[0-9]+)?[ ]?(x|×|%|us|µs|ms|tflops|gflops|tb/s|gb/s))(?![A-Za-z0-9]))",
                              std::regex::icase);
  for (auto it = std::sregex_iterator(msg.begin(), msg.end(), fig); it != std::sregex_iterator(); ++it) {
    std::string f = (*it)[2].str();
    if (std::find(c.figures.begin(), c.figures.end(), f) == c.figures.end() && c.figures.size() < 8) c.figures.push_back(f);
  }
  return c;
}

long pr_from_message(const std::string& message) {
  static const std::regex merge(R"(Merge pull request #([0-9]+))");
  static const std::regex squash(R"(\(#([0-9]+)\))");
  std::smatch m;
  std::string first = message.substr(0, message.find('\n'));
  if (std::regex_search(first, m, merge)) return std::stol(m[1]);
  if (std::regex_search(first, m, squash)) return std::stol(m[1]);
  return -1;
}

std::string repo_from_url(const std::string& url) {
  static const std::regex re(R"(github\.com[:/]([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(\.git)?/?$)");
  std::smatch m;
  if (std::regex_search(url, m, re)) return m[1].str() + "/" + m[2].str();
  return "";
}

IngestStats ingest_git(const IngestOptions& opts) {
  IngestStats st;
  PluginError err;
  git_plugin().ingest(opts, st, err);
  err.rethrow();
  return st;
}

std::vector<Problem> verify_commits(const std::vector<Entry>& entries, const std::map<std::string, fs::path>& repos) {
  std::vector<Problem> out;
  PluginError err;
  git_plugin().verify(entries, repos, out, err);
  err.rethrow();
  return out;
}

}  // namespace kda::wiki
