// What the HIP backend needs from the machine, read from the amdgpu kernel driver's KFD
// interface (/dev/kfd and /sys/class/kfd/kfd/topology), so that `kda eval --backend hip` on a
// machine without a ROCm GPU stops at once with one line that says what is missing (exit 6,
// docs/amd.md) instead of building everything and failing in the runner, and so that hip builds
// target the gfx architecture the GPU reports.
#pragma once

#include <filesystem>
#include <string>

namespace kda {

/// "" when the HIP backend has what it needs here; otherwise one line naming everything that is
/// missing: a ROCm GPU (/dev/kfd and a GPU node in the KFD topology), hipcc, and kda-runner-hip
/// beside `runner` (the kda-runner the judge starts, which hands --backend hip to it).
/// `kfd_root`: the sysfs topology directory (tests point it elsewhere).
std::string hip_backend_missing(const std::filesystem::path& runner,
                                const std::filesystem::path& kfd_root = "/sys/class/kfd/kfd/topology/nodes",
                                const std::filesystem::path& kfd_device = "/dev/kfd");

/// The gfx target of the first GPU node of the KFD topology ("gfx942" from gfx_target_version
/// 90402), "" when there is none.
std::string detect_hip_arch(const std::filesystem::path& kfd_root = "/sys/class/kfd/kfd/topology/nodes");

/// gfx_target_version as KFD writes it (major * 10000 + minor * 100 + stepping) as a gfx name:
/// 90010 -> "gfx90a", 90402 -> "gfx942", 90500 -> "gfx950"; "" for 0.
std::string gfx_name(long long target_version);

}  // namespace kda
