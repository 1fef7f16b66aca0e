#include "profile/diagnose.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "profile/metric_table.h"

namespace kda::profile {

const std::vector<std::string>& categories() {
  static const std::vector<std::string> c = {
      "dram-bound", "near-roofline", "uncoalesced-global", "cache-access-pattern",
      "no-data-reuse", "shared-bank-conflict", "local-memory", "register-spill",
      "occupancy-registers", "occupancy-shared-memory", "occupancy-block-size", "low-occupancy",
      "tail-effect", "grid-too-small", "small-problem", "thread-divergence",
      "atomic-contention", "barrier-stall", "dependency-stall", "latency-bound",
      "compute-bound", "tensor-core-underused"};
  return c;
}

namespace {

// Thresholds, named so the Markdown/JSON evidence and the rules agree.
constexpr double kDramBoundPct = 60;        // DRAM throughput, % of peak
constexpr double kDramLikelyPct = 40;       // with long-scoreboard stalls dominating
constexpr double kRooflinePct = 80;         // at or above: near the roof
constexpr double kComputeBoundPct = 60;     // SM throughput
constexpr double kExcessSectorRatio = 1.5;  // sectors moved / sectors a coalesced pattern needs
// Without ncu's ideal-sector count the access width is unknown: a warp's 128-bit loads need 16
// sectors per request when perfectly coalesced, so only more than that proves waste.
constexpr double kSectorsPerRequest = 16;
constexpr double kBankConflictRatio = 0.10; // conflict wavefronts / all shared wavefronts
constexpr double kDivergenceThreads = 24;   // active threads per executed instruction
constexpr double kStallShare = 0.10;        // a stall reason worth reporting
constexpr double kSmallProblemNs = 10000;   // kernels under 10 us
constexpr double kLaunchOverheadNs = 2000;  // fixed cost of a launch, roughly
constexpr double kTheoreticalOccPct = 80;
constexpr double kAchievedOccRatio = 0.8;   // achieved / theoretical
constexpr double kTailIdle = 0.2;           // idle fraction of the last wave
constexpr double kSmImbalance = 0.10;       // (max - avg) / avg of SM active cycles

struct Builder {
  const Kernel& k;
  std::map<std::string, Finding> by_cat;

  void add(const std::string& cat, double est, std::vector<Evidence> ev, const std::string& fix) {
    auto [it, inserted] = by_cat.try_emplace(cat);
    Finding& f = it->second;
    if (inserted) {
      f.category = cat;
      f.speedup_source = "kda";
    }
    if (f.fix.empty()) f.fix = fix;
    f.estimated_speedup_pct = std::max(f.estimated_speedup_pct, std::clamp(est, 0.0, 99.0));
    for (auto& e : ev) {
      bool dup = std::any_of(f.evidence.begin(), f.evidence.end(),
                             [&](const Evidence& x) { return x.metric == e.metric; });
      if (!dup) f.evidence.push_back(std::move(e));
    }
  }
  Evidence ev(const std::string& quantity, const std::string& cmp) const {
    auto src = k.quantity_source.find(quantity);
    return Evidence{src == k.quantity_source.end() ? quantity : src->second, k.qv(quantity), cmp};
  }
};

double stall_total(const Kernel& k) {
  double t = 0;
  for (const auto& r : stall_reasons()) t += k.qv("stall." + r);
  return t;
}

}  // namespace

std::string category_of_rule(const ToolRule& r, const Kernel& k) {
  const std::string& n = r.name;
  if (n == "UncoalescedGlobalAccess") return "uncoalesced-global";
  if (n == "UncoalescedSharedAccess" || n == "SharedMemoryConflicts") return "shared-bank-conflict";
  if (n == "MemoryCacheAccessPattern") return "cache-access-pattern";
  if (n == "ThreadDivergence") return "thread-divergence";
  if (n == "AchievedOccupancy") return "low-occupancy";
  if (n == "TheoreticalOccupancy") {
    // Nsight names the limiter in prose; kda takes it from the block limits instead.
    double reg = k.qv("limit_registers", 1e9), smem = k.qv("limit_shared_mem", 1e9);
    double warps = std::min(k.qv("limit_warps", 1e9), k.qv("limit_blocks", 1e9));
    if (reg <= smem && reg <= warps) return "occupancy-registers";
    if (smem <= warps) return "occupancy-shared-memory";
    return "occupancy-block-size";
  }
  if (n == "LaunchConfiguration") {
    if (k.qv("grid_size", 1e9) < k.qv("sm_count", 0)) return "grid-too-small";
    if (r.description.find("wave") != std::string::npos) return "tail-effect";
    return "occupancy-block-size";
  }
  if (n == "WorkloadImbalance") return "tail-effect";
  return {};
}

void diagnose(Kernel& k) {
  Builder b{k, {}};
  const double total = stall_total(k);
  auto share = [&](const std::string& r) { return total > 0 ? k.qv("stall." + r) / total : 0; };
  const double dram = k.qv("dram_pct"), sm = k.qv("sm_pct"), l1 = k.qv("l1_pct");
  const double local = k.qv("local_ld_sectors") + k.qv("local_st_sectors");
  const double atomics = k.qv("atomic_inst") + k.qv("atomic_inst2");
  const double ld_req = k.qv("global_ld_requests"), st_req = k.qv("global_st_requests");
  const double ld_spr = ld_req > 0 ? k.qv("global_ld_sectors") / ld_req : 0;
  const double st_spr = st_req > 0 ? k.qv("global_st_sectors") / st_req : 0;
  const double wavefronts = k.qv("shared_wavefronts");
  const double conflict_ratio = wavefronts > 0 ? k.qv("shared_bank_conflicts") / wavefronts : 0;
  const bool bank_conflicts = conflict_ratio >= kBankConflictRatio;

  // --- memory ---
  const std::string dram_fix =
      "cut the bytes moved: fuse with the producer/consumer kernel, use narrower types "
      "(bf16/fp8), keep data in registers/shared memory across uses; use 128-bit vector loads";
  const std::string uncoalesced_fix =
      "make consecutive threads (threadIdx.x) touch consecutive addresses: swap the index "
      "order, transpose through shared memory, or use a structure-of-arrays layout";
  const std::string cache_fix =
      "restructure the loop order so each loaded line is reused while it is cached: tile the "
      "computation (shared-memory blocking) and walk memory along rows, not columns";
  const std::string reuse_fix =
      "raise arithmetic intensity: register tiling (each thread computes several outputs and "
      "reuses each loaded value several times), wider tiles, vector loads from shared memory";
  const std::string local_fix =
      "keep per-thread arrays in registers: index them only with compile-time constants "
      "(unrolled loops), or move them to shared memory; check -Xptxas -v for stack frames";
  if (dram >= kDramBoundPct || (dram >= kDramLikelyPct && share("long_scoreboard") >= 0.5)) {
    b.add("dram-bound", 50 * share("long_scoreboard"),
          {b.ev("dram_pct", fmt::format(">= {}", dram >= kDramBoundPct ? kDramBoundPct : kDramLikelyPct)),
           b.ev("stall.long_scoreboard", fmt::format("{:.0f}% of stalls", 100 * share("long_scoreboard")))},
          dram_fix);
  }
  const double ideal = k.qv("global_sectors_ideal"), theoretical = k.qv("global_sectors_theoretical");
  const bool has_ideal = k.q("global_sectors_ideal") && ideal > 0;
  const double excess = has_ideal ? theoretical / ideal : 0;
  const bool uncoalesced = has_ideal ? excess >= kExcessSectorRatio
                                     : std::max(ld_spr, st_spr) > kSectorsPerRequest;
  if (uncoalesced && has_ideal) {
    b.add("uncoalesced-global", 100 * (1 - 1 / excess) * std::max(k.qv("mem_pct"), dram) / 100,
          {Evidence{"global sectors moved / sectors a coalesced access needs", excess,
                    fmt::format(">= {}", kExcessSectorRatio)},
           b.ev("global_sectors_theoretical", ""), b.ev("global_sectors_ideal", "")},
          uncoalesced_fix);
  } else if (uncoalesced) {
    double spr = std::max(ld_spr, st_spr);
    b.add("uncoalesced-global", 100 * (1 - kSectorsPerRequest / 2 / spr) * std::max(k.qv("mem_pct"), dram) / 100,
          {Evidence{"global sectors per request", spr, fmt::format("> {} (a coalesced 128-bit warp access)", kSectorsPerRequest)},
           b.ev(ld_spr >= st_spr ? "global_ld_sectors" : "global_st_sectors", "")},
          uncoalesced_fix);
  }
  if (local > 0) {
    bool spill = k.qv("registers_per_thread") >= 255;
    b.add(spill ? "register-spill" : "local-memory",
          50 * (share("lg_throttle") + share("long_scoreboard")),
          {b.ev("local_ld_sectors", "> 0"), b.ev("stall.lg_throttle", fmt::format(
                                                 "{:.0f}% of stalls", 100 * share("lg_throttle")))},
          spill ? "reduce register pressure (smaller tiles, __launch_bounds__ with fewer blocks)"
                : local_fix);
  }
  if (bank_conflicts) {
    // Conflicts cost in proportion to how busy the shared-memory pipe is: L1 throughput on
    // NVIDIA; on AMD, where no L1 figure covers the LDS, the LDS utilization.
    const bool lds_util = !k.q("l1_pct") && k.q("lds_util_pct");
    const double pipe = lds_util ? k.qv("lds_util_pct") : l1;
    std::vector<Evidence> ev = {Evidence{"shared bank-conflict wavefronts / all shared wavefronts", conflict_ratio,
                                         fmt::format(">= {}", kBankConflictRatio)},
                                b.ev("shared_bank_conflicts", "")};
    if (lds_util) ev.push_back(b.ev("lds_util_pct", "% busy (weights the estimate, full at >= 50)"));
    b.add("shared-bank-conflict", 100 * conflict_ratio * std::min(1.0, pipe / 50), std::move(ev),
          "pad shared arrays (e.g. [32][33]) or swizzle the index so a warp's 32 accesses hit "
          "32 different banks");
  }
  // --- warp stalls, mapped to what causes them ---
  for (const auto& r : stall_reasons()) {
    double s = share(r);
    if (s < kStallShare || r == "selected" || r == "not_selected") continue;
    double est = 50 * s;
    auto e = std::vector<Evidence>{b.ev("stall." + r, fmt::format("{:.0f}% of stalls >= {:.0f}%", 100 * s, 100 * kStallShare))};
    if (r == "barrier")
      b.add("barrier-stall", est, e, "fewer __syncthreads(): warp-level primitives (__shfl_xor_sync) for reductions, larger work per barrier, or split dependent phases across warps");
    else if (r == "wait")
      b.add("dependency-stall", est, e, "break the dependency chain: several independent accumulators, interleave independent instructions (unroll), so consecutive instructions do not wait on each other's results");
    else if (r == "math_pipe_throttle")
      b.add("compute-bound", est, e, "fewer or cheaper instructions: fast-math intrinsics, strength reduction, tensor cores for matrix products");
    else if (r == "long_scoreboard") {
      if (local > 0) b.add("local-memory", est, e, local_fix);
      else if (dram >= kDramLikelyPct) b.add("dram-bound", est, e, dram_fix);
      else b.add("latency-bound", est * 0.5, e, "hide memory latency: more independent loads in flight per thread (unroll, prefetch into registers, cp.async double buffering) or more resident warps");
    } else if (r == "mio_throttle" || r == "short_scoreboard") {
      if (atomics > 0) b.add("atomic-contention", est, e, "");
      else if (bank_conflicts) b.add("shared-bank-conflict", est, e, "");
      else if (l1 >= kComputeBoundPct) b.add("no-data-reuse", est, e, reuse_fix);
      else b.add("latency-bound", est * 0.5, e, "");
    } else if (r == "lg_throttle") {
      if (local > 0) b.add("local-memory", est, e, local_fix);
      else if (atomics > 0) b.add("atomic-contention", est, e, "");
      else if (uncoalesced) b.add("uncoalesced-global", est, e, uncoalesced_fix);
      else {
        b.add("cache-access-pattern", est, e, cache_fix);
        if (l1 >= kRooflinePct && dram < 30) b.add("no-data-reuse", est * 0.5, e, reuse_fix);
      }
    } else if (r == "drain") {
      if (atomics > 0) b.add("atomic-contention", est, e, "");
      else if (uncoalesced) b.add("uncoalesced-global", est, e, uncoalesced_fix);
      else b.add("latency-bound", est * 0.5, e, "");
    } else if (r == "membar") {
      b.add("latency-bound", est * 0.5, e, "avoid __threadfence()/memory barriers in the loop");
    }
  }
  if (atomics > 0) {
    double s = share("drain") + share("lg_throttle") + share("mio_throttle") + share("short_scoreboard");
    if (s >= 0.2)
      b.add("atomic-contention", 50 * s,
            {b.ev(k.q("atomic_inst") ? "atomic_inst" : "atomic_inst2", "> 0"),
             Evidence{"drain+lg+mio+short_scoreboard stall share", s, ">= 0.2"}},
            "aggregate before the atomic: reduce within the warp (__shfl_down_sync) and the block "
            "(shared memory), then one atomic per block; or spread updates over several counters");
  }
  // --- occupancy ---
  const double theo = k.qv("theoretical_occupancy_pct", 100), ach = k.qv("achieved_occupancy_pct", theo);
  if (k.q("theoretical_occupancy_pct") && theo < kTheoreticalOccPct) {
    ToolRule probe{"TheoreticalOccupancy", "", "", std::nullopt, ""};
    std::string cat = category_of_rule(probe, k);
    std::string q = cat == "occupancy-registers" ? "limit_registers"
                    : cat == "occupancy-shared-memory" ? "limit_shared_mem" : "limit_warps";
    b.add(cat, (100 - theo) / 2,
          {b.ev("theoretical_occupancy_pct", fmt::format("< {}", kTheoreticalOccPct)), b.ev(q, "blocks/SM, the lowest limit")},
          cat == "occupancy-registers" ? "fewer registers per thread: __launch_bounds__(threads, minBlocks), smaller per-thread tiles, or -maxrregcount"
          : cat == "occupancy-shared-memory" ? "use less shared memory per block (smaller tiles, reuse one buffer, fp16 staging) so more blocks fit per SM"
                                             : "use blocks of 128-256 threads so more blocks fit per SM");
  }
  if (k.q("achieved_occupancy_pct") && ach < kAchievedOccRatio * theo) {
    // Without a theoretical figure (AMD), achieved occupancy is held against every wave slot.
    std::vector<Evidence> ev = {b.ev("achieved_occupancy_pct", k.q("theoretical_occupancy_pct")
                                                                   ? fmt::format("< {} x theoretical", kAchievedOccRatio)
                                                                   : fmt::format("< {} x the hardware maximum (theoretical not in the report)",
                                                                                 kAchievedOccRatio))};
    if (k.q("theoretical_occupancy_pct")) ev.push_back(b.ev("theoretical_occupancy_pct", ""));
    b.add("low-occupancy", 50 * (theo - ach) / std::max(theo, 1.0), std::move(ev),
          "balance the work per block and launch enough blocks to keep every SM full (grid-stride loops, more, smaller blocks)");
  }
  // --- load balance ---
  const double grid = k.qv("grid_size"), sms = k.qv("sm_count");
  if (grid > 0 && sms > 0 && grid < sms) {
    b.add("grid-too-small", 100 * (1 - grid / sms),
          {b.ev("grid_size", fmt::format("< {:.0f} SMs", sms)), b.ev("sm_count", "")},
          "launch at least one block per SM (better several): split the work into more, smaller blocks or parallelize an inner loop across blocks");
  } else if (grid > 0 && sms > 0) {
    double per_sm = std::min({k.qv("limit_registers", 1e9), k.qv("limit_shared_mem", 1e9),
                              k.qv("limit_warps", 1e9), k.qv("limit_blocks", 1e9)});
    if (per_sm < 1e9 && per_sm > 0) {
      double waves = grid / (sms * per_sm);
      double full = std::ceil(waves);
      double idle = waves >= 1 && full <= 8 ? (full - waves) / full : 0;
      if (idle >= kTailIdle)
        b.add("tail-effect", 100 * idle,
              {Evidence{"waves (grid / (SMs x blocks per SM))", waves, "partial last wave"},
               b.ev("grid_size", "")},
              "size the grid to a whole number of waves (multiple of SMs x blocks per SM), or use a persistent grid-stride kernel");
    }
    double avg = k.qv("sm_active_cycles_avg"), mx = k.qv("sm_active_cycles_max");
    if (avg > 0 && mx > 0 && (mx - avg) / avg >= kSmImbalance)
      b.add("tail-effect", 100 * (mx - avg) / mx,
            {Evidence{"(max - avg) / avg SM active cycles", (mx - avg) / avg,
                      fmt::format(">= {}", kSmImbalance)}},
            "balance work across SMs: split long items, sort variable-length work, or use a persistent kernel with a work queue");
  }
  if (k.q("duration_ns") && k.qv("duration_ns") < kSmallProblemNs) {
    b.add("small-problem", 100 * kLaunchOverheadNs / std::max(k.qv("duration_ns"), kLaunchOverheadNs),
          {b.ev("duration_ns", fmt::format("< {:.0f}", kSmallProblemNs))},
          "the launch costs about as much as the work: fuse with neighbouring kernels, batch several problems per launch, or use CUDA graphs");
  }
  // --- compute, divergence, tensor cores ---
  if (k.q("threads_per_inst") && k.qv("threads_per_inst") < kDivergenceThreads) {
    b.add("thread-divergence", 100 * (1 - k.qv("threads_per_inst") / 32),
          {b.ev("threads_per_inst", fmt::format("< {} of 32", kDivergenceThreads))},
          "make the branch uniform per warp: sort or bin the data by branch, move the condition to a per-warp decision, or replace branches by predicated arithmetic");
  }
  if (sm >= kComputeBoundPct) {
    b.add("compute-bound", (sm - kComputeBoundPct) / 2,
          {b.ev("sm_pct", fmt::format(">= {}", kComputeBoundPct)), b.ev("issue_active_pct", "")},
          "fewer instructions per result: hoist index math, use fused/vector instructions, tensor cores for matrix products");
  }
  // The tensor pipe's cycle and instruction counters are not zero in kernels without a single
  // MMA (seen on H100 for softmax and divergent-branch kernels), so the tensor math actually
  // done decides whether tensor cores are used at all, where the report counts it.
  bool counts_mma = false;
  double mma_ops = 0;
  for (const char* t : {"fp16", "bf16", "tf32", "fp8", "fp8_sparse", "int8", "fp64"}) {
    counts_mma |= k.q(std::string("tensor_ops.") + t).has_value();
    mma_ops += k.qv(std::string("tensor_ops.") + t);
  }
  const bool uses_mma = !counts_mma || mma_ops > 0;
  if (uses_mma && k.qv("tensor_pct") >= 1 && k.qv("tensor_pct") < 30) {
    b.add("tensor-core-underused", k.qv("tensor_pct") / 4,
          {b.ev("tensor_pct", "< 30 while tensor instructions are used")},
          "feed the tensor cores: larger warp tiles, ldmatrix/cp.async staging, mma.sync/wgmma instead of wmma, keep operands in shared memory");
  }
  // Tool rules supply the estimate for a category the metrics support.
  for (const auto& r : k.rules) {
    if (!r.speedup_pct || r.type == "INF") continue;
    std::string cat = category_of_rule(r, k);
    auto it = b.by_cat.find(cat);
    if (cat.empty() || it == b.by_cat.end()) continue;
    Finding& f = it->second;
    if (f.speedup_source != "nsight") f.estimated_speedup_pct = 0;
    f.speedup_source = "nsight";
    f.estimated_speedup_pct = std::max(f.estimated_speedup_pct, *r.speedup_pct);
    f.evidence.push_back(Evidence{"nsight rule " + r.name + " estimated speedup %", *r.speedup_pct, ""});
  }
  std::vector<Finding> out;
  for (auto& [c, f] : b.by_cat) {
    if (f.fix.empty()) f.fix = "see the evidence; reduce the operations that cause this stall";
    out.push_back(std::move(f));
  }
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return a.estimated_speedup_pct > b.estimated_speedup_pct;
  });
  // Roofline: memory or math at >= 80 % of peak is near the roof.
  if (dram >= kRooflinePct || k.qv("tensor_pct") >= kRooflinePct || k.qv("fma_pct") >= 90) {
    std::vector<Finding> kept;
    Finding roof{"near-roofline", "info", {}, 0, "kda",
                 "the kernel runs near the hardware roof; only reducing the work itself (fewer bytes or FLOPs, fusion, lower precision) makes it faster"};
    roof.evidence = {b.ev("dram_pct", fmt::format(">= {}", kRooflinePct)), b.ev("fma_pct", ""), b.ev("tensor_pct", "")};
    kept.push_back(roof);
    for (auto& f : out)
      if (f.estimated_speedup_pct >= 10) kept.push_back(std::move(f));
    out = std::move(kept);
  }
  for (auto& f : out) {
    if (f.category == "near-roofline") continue;
    f.severity = f.estimated_speedup_pct >= 30 ? "high" : f.estimated_speedup_pct >= 10 ? "medium" : "low";
  }
  k.findings = std::move(out);
}

}  // namespace kda::profile
