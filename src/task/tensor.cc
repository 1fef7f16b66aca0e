#include "task/tensor.h"

#include "core/bulk_buffer.h"

namespace kda {

size_t HostTensor::numel() const {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

void HostTensor::allocate() {
  data.clear();
  resize_bulk(data, nbytes());  // all zero: nothing is kept after clear()
}

std::string describe(const HostTensor& t) {
  std::string s = std::string(dtype_name(t.dtype)) + "[";
  for (size_t i = 0; i < t.shape.size(); ++i) s += (i ? ", " : "") + std::to_string(t.shape[i]);
  return s + "]";
}

}  // namespace kda
