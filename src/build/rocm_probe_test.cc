#include "build/rocm_probe.h"

#include <gtest/gtest.h>

#include "core/fs.h"
#include "core/subprocess.h"

namespace kda {
namespace {

namespace fs = std::filesystem;

// A KFD topology as the driver lays it out: node 0 a CPU, node 1 a GPU.
fs::path fake_topology(const fs::path& dir, long long gfx_version) {
  fs::path nodes = dir / "nodes";
  write_file_atomic(nodes / "0" / "properties", "cpu_cores_count 64\nsimd_count 0\ngfx_target_version 0\n");
  write_file_atomic(nodes / "1" / "properties",
                    "cpu_cores_count 0\nsimd_count 1216\ngfx_target_version " + std::to_string(gfx_version) + "\n");
  return nodes;
}

TEST(RocmProbe, GfxNames) {
  EXPECT_EQ(gfx_name(90010), "gfx90a");
  EXPECT_EQ(gfx_name(90402), "gfx942");
  EXPECT_EQ(gfx_name(90500), "gfx950");
  EXPECT_EQ(gfx_name(110000), "gfx1100");
  EXPECT_EQ(gfx_name(0), "");
}

TEST(RocmProbe, ArchFromTheFirstGpuNode) {
  TempDir t("rocm-probe");
  EXPECT_EQ(detect_hip_arch(fake_topology(t.path(), 90402)), "gfx942");
  EXPECT_EQ(detect_hip_arch(t.path() / "absent"), "");
}

TEST(RocmProbe, SaysEverythingThatIsMissingInOneLine) {
  TempDir t("rocm-probe");
  const std::string m = hip_backend_missing(t.path() / "bin" / "kda-runner", t.path() / "nodes", t.path() / "kfd");
  EXPECT_NE(m.find("a ROCm GPU"), std::string::npos) << m;
  EXPECT_NE(m.find("kda-runner-hip beside"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

TEST(RocmProbe, NothingMissingWithAGpuAndTheRunner) {
  if (!find_program("hipcc")) GTEST_SKIP() << "hipcc is not installed";
  TempDir t("rocm-probe");
  const fs::path nodes = fake_topology(t.path(), 90402);
  write_file_atomic(t.path() / "kfd", "");
  write_file_atomic(t.path() / "bin" / "kda-runner-hip", "");
  EXPECT_EQ(hip_backend_missing(t.path() / "bin" / "kda-runner", nodes, t.path() / "kfd"), "");
}

TEST(RocmProbe, ADriverWithoutGpuNodesIsNoGpu) {
  TempDir t("rocm-probe");
  write_file_atomic(t.path() / "kfd", "");
  write_file_atomic(t.path() / "nodes" / "0" / "properties", "simd_count 0\n");
  const std::string m = hip_backend_missing(t.path() / "kda-runner", t.path() / "nodes", t.path() / "kfd");
  EXPECT_NE(m.find("lists none"), std::string::npos) << m;
}

}  // namespace
}  // namespace kda
