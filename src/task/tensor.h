// Host-side tensors exchanged between judge, runners and files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "task/dtype.h"

namespace kda {

/// A dense, contiguous, row-major tensor in host memory. A 0-d tensor (empty shape) is a scalar.
struct HostTensor {
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;  ///< numel() * dtype_size(dtype) bytes

  size_t numel() const;
  size_t nbytes() const { return numel() * dtype_size(dtype); }
  /// Allocates data for the current shape/dtype (zero-filled).
  void allocate();
};

/// "[M=4, D=128]"-style text for messages: "float32[4, 128]".
std::string describe(const HostTensor& t);

}  // namespace kda
