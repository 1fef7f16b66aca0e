#include "task/tensor.h"

#include <gtest/gtest.h>

namespace kda {

TEST(HostTensor, SizesAndDescription) {
  HostTensor t;
  t.dtype = DType::kBFloat16;
  t.shape = {4, 3};
  t.allocate();
  EXPECT_EQ(t.numel(), 12u);
  EXPECT_EQ(t.nbytes(), 24u);
  EXPECT_EQ(t.data.size(), 24u);
  EXPECT_EQ(describe(t), "bfloat16[4, 3]");
  t.shape = {};  // a 0-d tensor holds one element
  EXPECT_EQ(t.numel(), 1u);
  EXPECT_EQ(describe(t), "bfloat16[]");
  t.shape = {5, 0};
  EXPECT_EQ(t.numel(), 0u);
}

}  // namespace kda
