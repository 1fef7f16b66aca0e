#include "profile/model.h"

#include <gtest/gtest.h>

namespace kda::profile {

// Kernel names as ncu prints them; the short name is what `ncu -k` matches and what the
// per-kernel source pages are named after, so it must never come out empty.
TEST(KernelShortName, StripsReturnTypeNamespacesTemplatesAndParameters) {
  auto short_of = [](const std::string& full) {
    Kernel k;
    k.name = full;
    return k.short_name();
  };
  EXPECT_EQ(short_of("add_vec4(const float4 *, const float4 *, float4 *, long)"), "add_vec4");
  EXPECT_EQ(short_of("void <unnamed>::rmsnorm_block_rows<256>(const float *, const float *, float *, long, bool)"),
            "rmsnorm_block_rows");
  EXPECT_EQ(short_of("void (anonymous namespace)::softmax_warp<float, 4>(const float *, float *, int)"), "softmax_warp");
  EXPECT_EQ(short_of("void cutlass::Kernel2<cutlass::gemm::kernel::Gemm<(int)128, std::pair<int, int>>>(Params)"), "Kernel2");
  EXPECT_EQ(short_of("void flash::fwd_kernel<Traits<(bool)1>>(flash::Params)"), "fwd_kernel");
  EXPECT_EQ(short_of("tail_wave"), "tail_wave");
}

}  // namespace kda::profile
