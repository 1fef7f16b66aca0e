#include "profile/rocprof.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace kda::profile {
namespace {

// One dispatch as one table holds it.
struct Dispatch {
  std::string key;   ///< Dispatch_ID (with the process, where the table names it)
  std::string name;  ///< Kernel_Name as written
  std::map<std::string, double> metrics;
};

double get(const std::map<std::string, double>& m, const std::string& name) {
  auto it = m.find(name);
  return it == m.end() ? -1 : it->second;
}

// First of several spellings of one column (rocprof-compute and rocprofv3 differ).
double get_any(const std::map<std::string, double>& m, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (double v = get(m, n); v >= 0) return v;
  return -1;
}

double sysinfo_number(const CsvTable& t, const char* name) {
  auto c = t.column(0, name);
  if (!c || t.rows.size() < 2 || *c >= t.rows[1].fields.size()) return 0;
  return parse_number(t.rows[1].fields[*c]).value_or(0);
}

// A counter pass of rocprof-compute holds one "level" counter (SQ_LEVEL_WAVES, SQ_INST_LEVEL_LDS,
// ...) whose running sum SQ_ACCUM_PREV_HIRES integrates over time: what that integral means
// depends on the pass, so it is interpreted here, within its own row, and never merged raw.
void interpret_accumulator(Dispatch& d, const RocprofDevice& dev) {
  auto acc = d.metrics.find("SQ_ACCUM_PREV_HIRES");
  if (acc == d.metrics.end()) return;
  std::vector<std::string> levels;
  for (const auto& [n, v] : d.metrics)
    if (n.find("LEVEL") != std::string::npos) levels.push_back(n);
  const double gui = get(d.metrics, "GRBM_GUI_ACTIVE");
  // rocprof-compute's wavefront occupancy: SQ_ACCUM_PREV_HIRES / (GRBM_GUI_ACTIVE / num_xcd) is
  // the mean number of resident waves on the GPU.
  if (levels.size() == 1 && levels[0] == "SQ_LEVEL_WAVES" && gui > 0)
    d.metrics["mean_resident_waves"] = acc->second / (gui / std::max(dev.num_xcd, 1.0));
  d.metrics.erase(acc);
}

std::vector<Dispatch> read_table(const CsvTable& t, const RocprofDevice& dev) {
  if (t.rows.empty()) t.fail_at(1, "empty rocprof CSV");
  const auto& h = t.rows[0].fields;
  auto id = t.column(0, "Dispatch_ID");
  if (!id) id = t.column(0, "Dispatch_Id");
  auto pid = t.column(0, "Process_Id");
  const size_t name = t.require_column(0, "Kernel_Name");
  auto counter_name = t.column(0, "Counter_Name"), counter_value = t.column(0, "Counter_Value");
  const bool long_format = counter_name && counter_value;
  std::vector<Dispatch> out;
  std::map<std::string, size_t> by_key;
  for (size_t r = 1; r < t.rows.size(); ++r) {
    const auto& f = t.rows[r].fields;
    if (f.size() != h.size())
      t.fail_at(t.rows[r].line, "row has " + std::to_string(f.size()) + " fields, header has " +
                                    std::to_string(h.size()) + " (truncated or corrupt?)");
    std::string key = id ? f[*id] : std::to_string(r - 1);
    if (long_format && !id) t.fail_at(t.rows[r].line, "counter rows without a Dispatch_Id column cannot be grouped");
    if (pid) key = f[*pid] + "/" + key;
    auto [it, fresh] = by_key.try_emplace(key, out.size());
    if (fresh) out.push_back({key, f[name], {}});
    Dispatch& d = out[it->second];
    if (d.name != f[name])
      t.fail_at(t.rows[r].line, "dispatch " + key + " is kernel '" + d.name + "' in an earlier row and '" + f[name] + "' here");
    for (size_t c = 0; c < h.size(); ++c) {
      if (c == name || h[c].find('[') != std::string::npos) continue;
      if (long_format && (c == *counter_name || c == *counter_value)) continue;
      if (auto v = parse_number(f[c])) d.metrics.try_emplace(h[c], *v);
    }
    if (long_format) {
      // rocprofv3 already sums a counter over its dimensions; should one dispatch still list a
      // counter twice (per-dimension rows of older releases), the sum is the dispatch's value.
      const std::string& cn = f[*counter_name];
      if (cn.empty() || cn.find('[') != std::string::npos) continue;
      auto v = parse_number(f[*counter_value]);
      if (!v) t.fail_at(t.rows[r].line, "Counter_Value '" + f[*counter_value] + "' of " + cn + " is not a number");
      d.metrics[cn] += *v;
    }
  }
  for (auto& d : out) interpret_accumulator(d, dev);
  return out;
}

bool level_pass(const CsvTable& t) {
  if (t.rows.empty()) return false;
  for (const auto& c : t.rows[0].fields)
    if (c == "SQ_ACCUM_PREV_HIRES") return true;
  return false;
}

// Derives the quantities the diagnosis uses from one dispatch's counters.
Kernel to_kernel(Dispatch&& d, const RocprofDevice& dev) {
  Kernel k;
  k.tool = "rocprof";
  k.device = dev.gpu_model;
  k.id = d.key.substr(d.key.find('/') + 1);
  k.name = d.name;
  // rocprof appends " [clone .kd]" or " (.kd)" to the symbol.
  for (const char* suffix : {" [clone .kd]", " (.kd)"}) {
    auto p = k.name.rfind(suffix);
    if (p != std::string::npos && p + std::string(suffix).size() == k.name.size()) k.name.resize(p);
  }
  k.metrics = std::move(d.metrics);
  auto& m = k.metrics;
  double start = get(m, "Start_Timestamp"), end = get(m, "End_Timestamp");
  if (start > 0 && end > start) m["DurationNs"] = end - start;
  const double duration = get(m, "DurationNs");

  // Launch shape. rocprof's Grid_Size counts work-items; kda's grid counts workgroups, as ncu's
  // counts blocks. The kernel trace gives per-dimension sizes.
  double wx = get(m, "Workgroup_Size_X"), wy = get(m, "Workgroup_Size_Y"), wz = get(m, "Workgroup_Size_Z");
  double gx = get(m, "Grid_Size_X"), gy = get(m, "Grid_Size_Y"), gz = get(m, "Grid_Size_Z");
  const bool dims = wx > 0 && wy > 0 && wz > 0 && gx > 0 && gy > 0 && gz > 0;
  double wg = get(m, "Workgroup_Size"), grid = get(m, "Grid_Size");
  if (dims) {
    wg = wx * wy * wz;
    grid = gx * gy * gz;
    k.block = fmt::format("({}, {}, {})", wx, wy, wz);
    k.grid = fmt::format("({}, {}, {})", gx / wx, gy / wy, gz / wz);
  }
  if (wg > 0) m["workgroup_size"] = wg;
  if (wg > 0 && grid > 0) m["grid_size"] = grid / wg;
  if (!dims && wg > 0) k.block = fmt::format("{}", wg);
  if (!dims && wg > 0 && grid > 0) k.grid = fmt::format("{}", grid / wg);

  if (double v = get_any(m, {"Arch_VGPR", "VGPR_Count"}); v >= 0) m["arch_vgpr"] = v;
  if (dev.cu > 0) m["cu_count"] = dev.cu;
  const double wave = std::max({get(m, "Wave_Size"), get(m, "wave_size"), dev.wave_size});
  // The elapsed CU-cycles of the dispatch, rocprof-compute's denominator for per-CU utilizations.
  const double gui = get(m, "GRBM_GUI_ACTIVE");
  const double cu_cycles = gui > 0 && dev.cu > 0 ? gui / std::max(dev.num_xcd, 1.0) * dev.cu : 0;

  // LDS (CDNA counts in SQ, RDNA in SQC): the share of LDS-active cycles stalled by bank
  // conflicts, and how busy the LDS is.
  for (const char* b : {"SQ", "SQC"}) {
    double conflict = get(m, fmt::format("{}_LDS_BANK_CONFLICT", b)), active = get(m, fmt::format("{}_LDS_IDX_ACTIVE", b));
    if (conflict < 0 || active < 0) continue;
    m["lds_bank_conflicts"] = conflict;
    m["lds_accesses"] = active;  // 0 when the kernel uses no LDS: the rate is then not computed
    if (cu_cycles > 0) m["lds_util_pct"] = std::min(100.0, 100 * active / cu_cycles);
    // Without the elapsed cycles: of the cycles CUs were busy (SQ_BUSY_CU_CYCLES counts quad-cycles).
    else if (double busy = get(m, "SQ_BUSY_CU_CYCLES"); busy > 0) m["lds_busy_pct"] = std::min(100.0, 100 * active / (4 * busy));
    break;
  }
  double thread_cycles = get(m, "SQ_THREAD_CYCLES_VALU"), valu = get(m, "SQ_ACTIVE_INST_VALU");
  if (thread_cycles >= 0 && valu > 0 && wave > 0) m["valu_threads_per_inst"] = 32.0 * thread_cycles / (valu * wave);
  double busy = get(m, "SQ_BUSY_CU_CYCLES"), mfma = get(m, "SQ_VALU_MFMA_BUSY_CYCLES");
  if (busy > 0 && mfma >= 0) m["mfma_util_pct"] = std::min(100.0, 100 * mfma / busy);

  // HBM bytes: 32-byte and 64-byte read requests, 64-byte and 32-byte writes.
  double rd = std::max(get(m, "TCC_EA_RDREQ_sum"), get(m, "TCC_EA0_RDREQ_sum"));
  double rd32 = std::max(get(m, "TCC_EA_RDREQ_32B_sum"), get(m, "TCC_EA0_RDREQ_32B_sum"));
  double wr = std::max(get(m, "TCC_EA_WRREQ_sum"), get(m, "TCC_EA0_WRREQ_sum"));
  double wr64 = std::max(get(m, "TCC_EA_WRREQ_64B_sum"), get(m, "TCC_EA0_WRREQ_64B_sum"));
  if (rd >= 0 && wr >= 0 && duration > 0) {
    double bytes = 32 * std::max(rd32, 0.0) + 64 * (rd - std::max(rd32, 0.0)) +
                   64 * std::max(wr64, 0.0) + 32 * (wr - std::max(wr64, 0.0));
    m["hbm_bytes"] = bytes;
    m["hbm_bytes_per_s"] = bytes / duration * 1e9;
    if (dev.hbm_gbs > 0) m["hbm_bw_pct"] = 100 * (bytes / duration) / dev.hbm_gbs;  // bytes per ns = GB/s
  }
  // VALU FLOPs as rocprof-compute counts them: per wave instruction, every lane; FMA = 2. The
  // fp32 counters must be there; fp16 and fp64 add where collected.
  auto group = [&](const char* p) {
    double add = get(m, fmt::format("SQ_INSTS_VALU_ADD_{}", p)), mul = get(m, fmt::format("SQ_INSTS_VALU_MUL_{}", p));
    double fma = get(m, fmt::format("SQ_INSTS_VALU_FMA_{}", p)), trans = get(m, fmt::format("SQ_INSTS_VALU_TRANS_{}", p));
    if (add < 0 || mul < 0 || fma < 0) return -1.0;
    return add + mul + std::max(trans, 0.0) + 2 * fma;
  };
  if (double f32 = group("F32"); f32 >= 0 && wave > 0 && duration > 0) {
    double ops = f32 + std::max(group("F16"), 0.0) + std::max(group("F64"), 0.0);
    m["valu_flops"] = wave * ops;
    m["valu_flops_per_s"] = wave * ops / duration * 1e9;
  }
  // Achieved occupancy: mean resident waves against every CU's wave slots.
  if (double waves = get(m, "mean_resident_waves"); waves >= 0 && dev.cu > 0 && dev.max_waves_per_cu > 0)
    m["achieved_occupancy_pct"] = 100 * waves / (dev.cu * dev.max_waves_per_cu);
  if (dev.roof_fp32_gflops > 0) m["roofline_fp32_flops_per_s"] = dev.roof_fp32_gflops * 1e9;
  if (dev.roof_hbm_gbs > 0) m["roofline_hbm_bytes_per_s"] = dev.roof_hbm_gbs * 1e9;
  return k;
}

}  // namespace

RocprofDevice read_rocprof_device(const CsvTable* sysinfo, const CsvTable* roofline) {
  RocprofDevice d;
  if (sysinfo && sysinfo->rows.size() >= 2) {
    d.cu = sysinfo_number(*sysinfo, "cu_per_gpu");
    d.hbm_gbs = sysinfo_number(*sysinfo, "hbm_bw");
    d.num_xcd = std::max(sysinfo_number(*sysinfo, "num_xcd"), 1.0);
    d.max_waves_per_cu = sysinfo_number(*sysinfo, "max_waves_per_cu");
    d.wave_size = sysinfo_number(*sysinfo, "wave_size");
    if (auto c = sysinfo->column(0, "gpu_model"); c && *c < sysinfo->rows[1].fields.size())
      d.gpu_model = sysinfo->rows[1].fields[*c];
  }
  // roofline.csv: one row per device of rocprof-compute's roofline benchmark; its analysis uses
  // device 0 unless told otherwise, and so does kda.
  if (roofline && roofline->rows.size() >= 2) {
    auto dev = roofline->column(0, "Device");
    for (size_t r = 1; r < roofline->rows.size(); ++r) {
      const auto& f = roofline->rows[r].fields;
      if (dev && (*dev >= f.size() || parse_number(f[*dev]).value_or(-1) != 0)) continue;
      auto at = [&](const char* n) {
        auto c = roofline->column(0, n);
        return c && *c < f.size() ? parse_number(f[*c]).value_or(0) : 0.0;
      };
      d.roof_fp32_gflops = at("FP32Flops");
      d.roof_hbm_gbs = at("HBMBw");
      break;
    }
  }
  return d;
}

std::vector<Kernel> read_rocprof(const std::vector<const CsvTable*>& tables, const RocprofDevice& dev) {
  // The main table first: a level pass adds only what the main table lacks (its own
  // GRBM_GUI_ACTIVE, SQ_WAVES, ... were counted in another run of the program).
  std::vector<const CsvTable*> order(tables);
  std::stable_partition(order.begin(), order.end(), [](const CsvTable* t) { return !level_pass(*t); });
  std::vector<Dispatch> all;
  std::map<std::pair<std::string, std::string>, size_t> index;
  for (const CsvTable* t : order) {
    for (auto& d : read_table(*t, dev)) {
      auto [it, fresh] = index.try_emplace({d.key, d.name}, all.size());
      if (fresh) {
        all.push_back(std::move(d));
        continue;
      }
      for (auto& [n, v] : d.metrics) all[it->second].metrics.try_emplace(n, v);
    }
  }
  std::vector<Kernel> out;
  for (auto& d : all) out.push_back(to_kernel(std::move(d), dev));
  return out;
}

}  // namespace kda::profile
