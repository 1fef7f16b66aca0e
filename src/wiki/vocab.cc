#include "wiki/vocab.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

namespace kda::wiki {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

namespace {

const std::vector<std::pair<std::string, std::string>>& kinds() {
  static const std::vector<std::pair<std::string, std::string>> k = {
      {"source-pr", "pr-"},       {"source-doc", "doc-"},   {"source-blog", "blog-"},
      {"source-contest", "contest-"},    {"source-experience", "exp-"},
      {"hardware", "hw-"},        {"technique", "technique-"}, {"kernel", "kernel-"},
      {"pattern", "pattern-"},    {"language", "lang-"},    {"migration", "migration-"}};
  return k;
}

// Groups of interchangeable terms; the first is the canonical one.
const std::vector<std::vector<std::string>>& alias_groups() {
  static const std::vector<std::vector<std::string>> g = {
      {"sm90", "hopper", "h100", "h200", "h800", "sm_90", "sm90a"},
      {"sm100", "blackwell", "b200", "gb200", "b100", "sm_100", "sm100a"},
      {"sm120", "rtx5090", "sm_120"},
      {"sm103", "b300", "gb300", "sm_103"},
      {"sm121", "gb10", "sm_121"},
      {"sm80", "ampere", "a100", "sm_80"},
      {"sm89", "ada", "l40", "l4", "sm_89"},
      {"gfx942", "mi300x", "mi300", "mi300a", "mi325x", "cdna3", "gfx940", "gfx941"},
      {"gfx950", "mi355x", "mi350", "mi350x", "cdna4"},
      {"gfx90a", "mi250", "mi250x", "mi210", "cdna2"},
      {"gfx1100", "rdna3", "rx7900", "gfx1101", "gfx1102"},
      {"gfx1201", "rdna4", "rx9070", "gfx1200"},
      {"tcgen05", "umma"},
      {"tmem", "tensor memory", "tensor-memory"},
      {"wgmma", "warpgroup"},
      {"tma", "bulk", "cp.async.bulk"},
      {"mfma", "matrix core", "matrix cores", "xdlops"},
      {"lds", "shared", "local data share"},
      {"wave64", "wavefront", "wave size 64"},
      {"infinity-cache", "infinity cache", "mall", "last level cache"},
      {"rocprof-compute", "omniperf", "rocprofiler compute"},
      {"bank-conflict", "bank conflict", "bank conflicts", "bank-conflicts"},
      {"grouped-gemm", "grouped gemm", "group gemm"},
      {"warp-specialization", "warp specialization", "warp specialized", "warp-specialized"},
      {"fp8", "e4m3", "e5m2", "float8"},
      {"fp4", "nvfp4", "mxfp4"},
      {"topk", "top-k", "top_k", "top k"},
      {"moe", "mixture", "experts"},
      {"rmsnorm", "layernorm", "normalization"},
      {"attention", "mha", "gqa", "mla"},
      {"decode", "decoding"},
      {"prefill", "prompt"},
      {"gemm", "matmul", "mm"},
      {"swizzle", "swizzling", "xor"},
      {"pipelining", "pipeline-stages", "software-pipelining", "multistage"},
      {"persistent-kernel", "persistent-kernels"},
      {"operator-fusion", "kernel-fusion"},
      {"tile-scheduler", "tile-scheduling"},
      {"2sm-cooperative", "2cta", "cta-pair"},
      {"padding", "pad"},
      {"split-k", "splitk", "split k"},
      {"split-kv", "splitkv", "split kv", "flash-decoding", "flash decoding"},
      {"stream-k", "streamk"},
      {"persistent", "persistence"},
      {"specialization", "specialized", "producer", "consumer"},
      {"cluster", "clusters", "dsmem", "multicast"},
      {"transpose", "transposed"},
  };
  return g;
}

}  // namespace

std::string kind_prefix(std::string_view kind) {
  for (auto& [k, p] : kinds())
    if (k == kind) return p;
  return "";
}

const std::vector<std::string>& known_kinds() {
  static const std::vector<std::string> v = [] {
    std::vector<std::string> out;
    for (auto& [k, p] : kinds()) out.push_back(k);
    return out;
  }();
  return v;
}

const std::vector<std::string>& confidence_levels() {
  static const std::vector<std::string> v = {"verified", "source-reported", "inferred", "experimental"};
  return v;
}

const std::vector<std::string>& reproducibility_levels() {
  static const std::vector<std::string> v = {"concept", "pseudocode", "snippet", "code-pointer", "runnable", "benchmarked"};
  return v;
}

const std::vector<std::string>& finding_categories() {
  static const std::vector<std::string> v = {
      "dram-bound",         "near-roofline",       "uncoalesced-global",      "cache-access-pattern",
      "no-data-reuse",      "shared-bank-conflict", "local-memory",           "register-spill",
      "occupancy-registers", "occupancy-shared-memory", "occupancy-block-size", "low-occupancy",
      "tail-effect",        "grid-too-small",      "small-problem",           "thread-divergence",
      "atomic-contention",  "barrier-stall",       "dependency-stall",        "latency-bound",
      "compute-bound",      "tensor-core-underused"};
  return v;
}

namespace {
std::string norm_sep(std::string_view s);

// Lookups over the alias groups, built once on first use (not at start-up: most kda commands
// never search) instead of normalising every alias of every group on each call.
struct AliasIndex {
  std::map<std::string, std::vector<size_t>, std::less<>> by_norm;  // norm_sep(alias) -> groups, in order
  std::map<std::string, size_t, std::less<>> arch_by_lower;         // lower(alias) -> first arch group
  AliasIndex() {
    const auto& groups = alias_groups();
    for (size_t g = 0; g < groups.size(); ++g) {
      bool arch = groups[g].front().rfind("sm", 0) == 0 || groups[g].front().rfind("gfx", 0) == 0;
      for (auto& a : groups[g]) {
        auto& v = by_norm[norm_sep(a)];
        if (v.empty() || v.back() != g) v.push_back(g);
        if (arch) arch_by_lower.emplace(lower(a), g);
      }
    }
  }
};

const AliasIndex& alias_index() {
  static const AliasIndex idx;
  return idx;
}
}  // namespace

std::string canonical_arch(std::string_view name) {
  std::string n = lower(name);
  n.erase(std::remove(n.begin(), n.end(), '_'), n.end());
  static const std::vector<std::string> canon = {"sm70", "sm75", "sm80", "sm86", "sm89", "sm90",
                                                 "sm90a", "sm100", "sm100a", "sm103", "sm103a", "sm110", "sm110a",
                                                 "sm120", "sm120a", "sm121", "sm121a",
                                                 "gfx90a", "gfx942", "gfx950", "gfx1100", "gfx1201", "any"};
  if (std::find(canon.begin(), canon.end(), n) != canon.end()) return n;
  // The first architecture group holding the name, with or without its underscores.
  const auto& m = alias_index().arch_by_lower;
  size_t best = alias_groups().size();
  for (const std::string& key : {n, lower(name)})
    if (auto it = m.find(key); it != m.end()) best = std::min(best, it->second);
  return best < alias_groups().size() ? alias_groups()[best].front() : "";
}

namespace {
// "Top-K", "top_k" and "top k" compare equal: separators become one space.
std::string norm_sep(std::string_view s) {
  std::string out;
  for (char c : lower(s)) {
    bool sep = c == '-' || c == '_' || c == ' ';
    if (!sep) out += c;
    else if (!out.empty() && out.back() != ' ') out += ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// One-way widenings for search: a question about split-K over the sequence is usually answered
// by split-KV pages (issue 18: "split-k" did not reach them).
const std::map<std::string, std::vector<std::string>>& related() {
  static const std::map<std::string, std::vector<std::string>> m = {
      {"split-k", {"split-kv"}},
      {"bank-conflict", {"padding", "swizzle"}},
  };
  return m;
}
}  // namespace

std::vector<std::string> expand_term(std::string_view term) {
  std::string t = lower(term);
  std::vector<std::string> out = {t};
  auto it = alias_index().by_norm.find(norm_sep(t));
  if (it == alias_index().by_norm.end()) return out;
  for (size_t gi : it->second) {
    const auto& g = alias_groups()[gi];
    for (auto& a : g)
      if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
    if (auto rel = related().find(g.front()); rel != related().end())
      for (auto& r : rel->second)
        if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  }
  return out;
}

bool is_vocab_phrase(std::string_view words) {
  std::string n = norm_sep(words);
  return n.find(' ') != std::string::npos && alias_index().by_norm.count(n) > 0;
}

std::string arch_family(std::string_view arch) {
  static const std::map<std::string, std::string, std::less<>> m = {
      {"sm70", "Volta"},     {"sm75", "Turing"},   {"sm80", "Ampere"},    {"sm86", "Ampere"},
      {"sm89", "Ada"},       {"sm90", "Hopper"},   {"sm100", "Blackwell"}, {"sm103", "Blackwell"},
      {"sm110", "Blackwell"}, {"sm120", "Blackwell (consumer)"}, {"sm121", "Blackwell (consumer)"},
      {"gfx90a", "CDNA2"},   {"gfx942", "CDNA3"},  {"gfx950", "CDNA4"},   {"gfx1100", "RDNA3"},
      {"gfx1201", "RDNA4"}};
  std::string a(arch);
  if (a.size() > 2 && a.back() == 'a' && a.rfind("sm", 0) == 0) a.pop_back();
  auto it = m.find(a);
  return it == m.end() ? "" : it->second;
}

std::vector<std::string> techniques_for_finding(std::string_view category) {
  static const std::map<std::string, std::vector<std::string>, std::less<>> m = {
      {"dram-bound", {"vectorized-loads", "operator-fusion", "fp8", "quantization", "tma"}},
      {"near-roofline", {"operator-fusion", "fp8", "quantization"}},
      {"uncoalesced-global", {"coalescing", "vectorized-loads", "tma", "transpose"}},
      {"cache-access-pattern", {"tile-swizzle", "l2-locality", "persistent-kernel"}},
      {"no-data-reuse", {"tiling", "shared-memory-tiling", "tma-multicast", "clusters"}},
      {"shared-bank-conflict", {"padding", "swizzle", "ldmatrix", "tma"}},
      {"local-memory", {"register-tiling", "loop-unrolling"}},
      {"register-spill", {"register-tiling", "warp-specialization", "register-reallocation", "tmem"}},
      {"occupancy-registers", {"register-reallocation", "launch-bounds", "warp-specialization"}},
      {"occupancy-shared-memory", {"pipelining", "smem-budget", "tile-size-tuning"}},
      {"occupancy-block-size", {"launch-bounds", "tile-size-tuning"}},
      {"low-occupancy", {"launch-bounds", "tile-size-tuning", "split-k", "warp-specialization"}},
      {"tail-effect", {"stream-k", "split-k", "persistent-kernel", "tile-scheduler"}},
      {"grid-too-small", {"split-k", "stream-k", "split-kv", "persistent-kernel"}},
      {"small-problem", {"split-kv", "split-k", "operator-fusion", "cuda-graphs"}},
      {"thread-divergence", {"warp-primitives", "warp-specialization", "radix-select"}},
      {"atomic-contention", {"warp-reduction", "hierarchical-reduction", "split-k"}},
      {"barrier-stall", {"mbarrier", "warp-specialization", "pipelining"}},
      {"dependency-stall", {"pipelining", "software-pipelining", "ilp", "cp-async"}},
      {"latency-bound", {"pipelining", "cp-async", "tma", "ilp", "warp-specialization"}},
      {"compute-bound", {"wgmma", "tcgen05", "mfma", "fp8", "tensor-cores"}},
      {"tensor-core-underused", {"wgmma", "tcgen05", "mfma", "tensor-cores", "warp-specialization"}},
  };
  auto it = m.find(category);
  return it == m.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace kda::wiki
