#include "profile/metric_table.h"

namespace kda::profile {

const std::vector<std::string>& stall_reasons() {
  static const std::vector<std::string> r = {
      "barrier", "branch_resolving", "dispatch_stall", "drain", "imc_miss", "lg_throttle",
      "long_scoreboard", "math_pipe_throttle", "membar", "mio_throttle", "misc",
      "no_instruction", "not_selected", "selected", "short_scoreboard", "sleeping",
      "tex_throttle", "wait", "gmma"};
  return r;
}

const std::vector<QuantityDef>& quantity_table() {
  static const std::vector<QuantityDef> t = [] {
    std::vector<QuantityDef> v = {
        {"duration_ns", {"gpu__time_duration.sum", "gpu__time_duration", "GPU Speed Of Light Throughput/Duration"}, {"DurationNs"}},
        {"sm_pct", {"sm__throughput.avg.pct_of_peak_sustained_elapsed",
                    "sm__throughput.avg.pct_of_peak_sustained_active",
                    "GPU Speed Of Light Throughput/Compute (SM) Throughput"}},
        {"mem_pct", {"gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed",
                     "gpu__memory_throughput.avg.pct_of_peak_sustained_elapsed",
                     "GPU Speed Of Light Throughput/Memory Throughput"}},
        {"dram_pct", {"gpu__dram_throughput.avg.pct_of_peak_sustained_elapsed",
                      "dram__throughput.avg.pct_of_peak_sustained_elapsed",
                      "GPU Speed Of Light Throughput/DRAM Throughput"}, {"hbm_bw_pct"}},
        {"l2_pct", {"lts__throughput.avg.pct_of_peak_sustained_elapsed"}},
        {"l1_pct", {"l1tex__throughput.avg.pct_of_peak_sustained_active",
                    "l1tex__throughput.avg.pct_of_peak_sustained_elapsed"}},
        {"issue_active_pct", {"smsp__issue_active.avg.pct_of_peak_sustained_active",
                              "Compute Workload Analysis/Issue Slots Busy"}},
        {"achieved_occupancy_pct", {"sm__warps_active.avg.pct_of_peak_sustained_active", "Occupancy/Achieved Occupancy"},
         {"achieved_occupancy_pct", "OccupancyPercent"}},
        {"theoretical_occupancy_pct", {"sm__maximum_warps_per_active_cycle_pct", "Occupancy/Theoretical Occupancy"}},
        {"registers_per_thread", {"launch__registers_per_thread", "Launch Statistics/Registers Per Thread"}, {"arch_vgpr"}},
        {"limit_registers", {"launch__occupancy_limit_registers", "Occupancy/Block Limit Registers"}},
        {"limit_shared_mem", {"launch__occupancy_limit_shared_mem", "Occupancy/Block Limit Shared Mem"}},
        {"limit_warps", {"launch__occupancy_limit_warps", "Occupancy/Block Limit Warps"}},
        {"limit_blocks", {"launch__occupancy_limit_blocks", "Occupancy/Block Limit SM"}},
        {"waves_per_sm", {"launch__waves_per_multiprocessor", "Launch Statistics/Waves Per SM"}},
        {"grid_size", {"launch__grid_size", "Launch Statistics/Grid Size"}, {"grid_size"}},
        {"block_size", {"launch__block_size", "Launch Statistics/Block Size"}, {"workgroup_size"}},
        {"sm_count", {"launch__sm_count", "device__attribute_multiprocessor_count", "Launch Statistics/# SMs"}, {"cu_count"}},
        {"stack_size", {"launch__stack_size"}},
        {"threads_per_inst", {"smsp__thread_inst_executed_per_inst_executed.ratio",
                              "Warp State Statistics/Avg. Active Threads Per Warp"}, {"valu_threads_per_inst"}},
        {"shared_bank_conflicts", {"l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum"}, {"lds_bank_conflicts"}},
        {"shared_wavefronts", {"l1tex__data_pipe_lsu_wavefronts_mem_shared.sum"}, {"lds_accesses"}},
        // AMD: how busy the LDS is (% of elapsed CU-cycles, else of busy CU-cycles), the weight
        // the bank-conflict estimate gives conflicts, as L1 throughput does on NVIDIA.
        {"lds_util_pct", {}, {"lds_util_pct", "lds_busy_pct"}},
        {"local_ld_sectors", {"l1tex__t_sectors_pipe_lsu_mem_local_op_ld.sum"}},
        {"local_st_sectors", {"l1tex__t_sectors_pipe_lsu_mem_local_op_st.sum"}},
        {"global_ld_sectors", {"l1tex__t_sectors_pipe_lsu_mem_global_op_ld.sum"}},
        {"global_ld_requests", {"l1tex__t_requests_pipe_lsu_mem_global_op_ld.sum"}},
        {"global_st_sectors", {"l1tex__t_sectors_pipe_lsu_mem_global_op_st.sum"}},
        {"global_st_requests", {"l1tex__t_requests_pipe_lsu_mem_global_op_st.sum"}},
        {"tensor_ops.fp16", {"sm__ops_path_tensor_src_fp16.sum"}},
        {"tensor_ops.bf16", {"sm__ops_path_tensor_src_bf16_dst_fp32.sum"}},
        {"tensor_ops.tf32", {"sm__ops_path_tensor_src_tf32_dst_fp32.sum"}},
        {"tensor_ops.fp8", {"sm__ops_path_tensor_src_fp8_sparsity_off.sum"}},
        {"tensor_ops.fp8_sparse", {"sm__ops_path_tensor_src_fp8_sparsity_on.sum"}},
        {"tensor_ops.int8", {"sm__ops_path_tensor_src_int8.sum"}},
        {"tensor_ops.fp64", {"sm__ops_path_tensor_src_fp64.sum"}},
        {"global_sectors_theoretical", {"memory_l2_theoretical_sectors_global"}},
        {"global_sectors_ideal", {"memory_l2_theoretical_sectors_global_ideal"}},
        {"l1_hit_pct", {"l1tex__t_sector_hit_rate.pct", "Memory Workload Analysis/L1/TEX Hit Rate"}},
        {"l2_hit_pct", {"lts__t_sector_hit_rate.pct", "Memory Workload Analysis/L2 Hit Rate"}},
        {"tensor_pct", {"sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active",
                        "sm__pipe_tensor_cycles_active.avg.pct_of_peak_sustained_active"}, {"mfma_util_pct"}},
        {"fma_pct", {"sm__pipe_fma_cycles_active.avg.pct_of_peak_sustained_active"}},
        {"atomic_inst", {"smsp__inst_executed_op_global_red.sum"}},
        {"atomic_inst2", {"smsp__inst_executed_op_global_atom.sum",
                          "smsp__sass_inst_executed_op_global_atom.sum"}},
        {"sm_active_cycles_avg", {"sm__cycles_active.avg", "GPU and Memory Workload Distribution/Average SM Active Cycles"}},
        {"sm_active_cycles_max", {"sm__cycles_active.max"}},
        {"dram_bytes_per_s", {"dram__bytes.sum.per_second"}, {"hbm_bytes_per_s"}},
        // AMD roofline inputs (ncu's are computed from its raw counters in roofline.cc).
        {"flops_per_s", {}, {"valu_flops_per_s"}},
        {"peak_flops_per_s", {}, {"roofline_fp32_flops_per_s"}},
        {"peak_bytes_per_s", {}, {"roofline_hbm_bytes_per_s"}},
        {"dram_peak_bytes_per_s", {"dram__bytes.sum.peak_sustained"}},
        {"ffma_per_s", {"smsp__sass_thread_inst_executed_op_ffma_pred_on.sum.per_cycle_elapsed"}},
    };
    for (const auto& r : stall_reasons())
      v.push_back({"stall." + r,
                   {"smsp__average_warps_issue_stalled_" + r + "_per_issue_active.ratio"}});
    return v;
  }();
  return t;
}

void resolve(Kernel& k) {
  k.missing.clear();
  for (const auto& def : quantity_table()) {
    // Only the names of the kernel's own tool: a quantity that tool cannot report (NVIDIA warp
    // stalls in a rocprof report) is not "missing" from it.
    const auto& candidates = k.tool == "rocprof" ? def.amd : def.candidates;
    if (candidates.empty()) continue;
    bool found = false;
    for (const auto& c : candidates) {
      auto it = k.metrics.find(c);
      if (it != k.metrics.end()) {
        k.quantities[def.name] = it->second;
        k.quantity_source[def.name] = c;
        found = true;
        break;
      }
    }
    if (!found && !k.quantities.count(def.name)) k.missing.push_back(def.name);
  }
}

}  // namespace kda::profile
