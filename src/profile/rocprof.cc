#include "profile/rocprof.h"

#include <algorithm>

#include "profile/metric_table.h"

namespace kda::profile {
namespace {

double get(const Kernel& k, const char* name) {
  auto it = k.metrics.find(name);
  return it == k.metrics.end() ? -1 : it->second;
}

}  // namespace

std::vector<Kernel> read_rocprof(const CsvTable& pmc, const CsvTable* sysinfo) {
  std::vector<Kernel> out;
  if (pmc.rows.empty()) pmc.fail_at(1, "empty rocprof CSV");
  const auto& h = pmc.rows[0].fields;
  auto id = pmc.column(0, "Dispatch_ID");
  if (!id) id = pmc.column(0, "Dispatch_Id");
  const size_t name = pmc.require_column(0, "Kernel_Name");
  double cu = 0, hbm_gbs = 0;
  if (sysinfo && sysinfo->rows.size() >= 2) {
    if (auto c = sysinfo->column(0, "cu_per_gpu")) cu = parse_number(sysinfo->rows[1].fields.at(*c)).value_or(0);
    if (auto c = sysinfo->column(0, "hbm_bw")) hbm_gbs = parse_number(sysinfo->rows[1].fields.at(*c)).value_or(0);
  }
  for (size_t r = 1; r < pmc.rows.size(); ++r) {
    const auto& f = pmc.rows[r].fields;
    if (f.size() != h.size())
      pmc.fail_at(pmc.rows[r].line, "row has " + std::to_string(f.size()) + " fields, header has " +
                                        std::to_string(h.size()) + " (truncated or corrupt?)");
    Kernel k;
    k.id = id ? f[*id] : std::to_string(r - 1);
    k.name = f[name];
    // rocprof appends " [clone .kd]" or " (.kd)" to the symbol.
    for (const char* suffix : {" [clone .kd]", " (.kd)"}) {
      auto p = k.name.rfind(suffix);
      if (p != std::string::npos && p + std::string(suffix).size() == k.name.size()) k.name.resize(p);
    }
    for (size_t c = 0; c < h.size(); ++c) {
      if (c == name || h[c].find('[') != std::string::npos) continue;
      if (auto v = parse_number(f[c])) k.metrics[h[c]] = *v;
    }
    auto& m = k.metrics;
    double start = get(k, "Start_Timestamp"), end = get(k, "End_Timestamp");
    if (start > 0 && end > start) m["DurationNs"] = end - start;
    double wg = get(k, "Workgroup_Size"), grid = get(k, "Grid_Size");
    if (wg > 0) m["workgroup_size"] = wg;
    if (wg > 0 && grid > 0) m["grid_size"] = grid / wg;  // rocprof's Grid_Size counts work-items
    if (get(k, "Arch_VGPR") >= 0) m["arch_vgpr"] = get(k, "Arch_VGPR");
    if (cu > 0) m["cu_count"] = cu;
    double conflict = get(k, "SQ_LDS_BANK_CONFLICT"), lds_active = get(k, "SQ_LDS_IDX_ACTIVE");
    if (conflict >= 0 && lds_active > 0) {
      m["lds_bank_conflicts"] = conflict;
      m["lds_accesses"] = lds_active;
    }
    double thread_cycles = get(k, "SQ_THREAD_CYCLES_VALU"), valu = get(k, "SQ_ACTIVE_INST_VALU");
    double wave = std::max(get(k, "Wave_Size"), get(k, "wave_size"));
    if (thread_cycles >= 0 && valu > 0 && wave > 0)
      m["smsp__thread_inst_executed_per_inst_executed.ratio"] = 32.0 * thread_cycles / (valu * wave);
    double busy = get(k, "SQ_BUSY_CU_CYCLES"), mfma = get(k, "SQ_VALU_MFMA_BUSY_CYCLES");
    if (busy > 0 && mfma >= 0) m["mfma_util_pct"] = std::min(100.0, 100 * mfma / busy);
    // HBM bytes: 32-byte and 64-byte read requests, 64-byte and 32-byte writes.
    double rd = std::max(get(k, "TCC_EA_RDREQ_sum"), get(k, "TCC_EA0_RDREQ_sum"));
    double rd32 = std::max(get(k, "TCC_EA_RDREQ_32B_sum"), get(k, "TCC_EA0_RDREQ_32B_sum"));
    double wr = std::max(get(k, "TCC_EA_WRREQ_sum"), get(k, "TCC_EA0_WRREQ_sum"));
    double wr64 = std::max(get(k, "TCC_EA_WRREQ_64B_sum"), get(k, "TCC_EA0_WRREQ_64B_sum"));
    if (rd >= 0 && wr >= 0 && m.count("DurationNs") && hbm_gbs > 0) {
      double bytes = 32 * std::max(rd32, 0.0) + 64 * (rd - std::max(rd32, 0.0)) +
                     64 * std::max(wr64, 0.0) + 32 * (wr - std::max(wr64, 0.0));
      double gbs = bytes / m["DurationNs"];  // bytes per ns = GB/s
      m["hbm_bytes"] = bytes;
      m["hbm_bw_pct"] = 100 * gbs / hbm_gbs;
    }
    out.push_back(std::move(k));
  }
  return out;
}

}  // namespace kda::profile
