#include "task/safetensors.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace kda {

HostTensor tensor(const std::string& name, DType t, std::vector<int64_t> shape) {
  HostTensor h;
  h.name = name;
  h.dtype = t;
  h.shape = std::move(shape);
  h.allocate();
  for (size_t i = 0; i < h.data.size(); ++i) h.data[i] = static_cast<uint8_t>(i * 7);
  return h;
}

TEST(Safetensors, RoundTrip) {
  std::vector<HostTensor> ts = {tensor("a", DType::kFloat32, {3, 2}), tensor("b", DType::kBFloat16, {5}),
                                tensor("s", DType::kInt64, {})};
  auto back = parse_safetensors(serialize_safetensors(ts, {{"format", "pt"}}), "mem");
  ASSERT_EQ(back.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    auto it = std::find_if(back.begin(), back.end(), [&](auto& t) { return t.name == ts[i].name; });
    ASSERT_NE(it, back.end());
    EXPECT_EQ(it->data, ts[i].data);
    EXPECT_EQ(it->shape, ts[i].shape);
  }
}

TEST(Safetensors, MalformedFilesAreRejectedWithReason) {
  auto err = [](const std::string& bytes) {
    try {
      parse_safetensors(bytes, "f.safetensors");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(err("abc").find("shorter"), std::string::npos);
  std::string good = serialize_safetensors({tensor("a", DType::kFloat32, {4})});
  EXPECT_NE(err(good.substr(0, good.size() - 1)).find("outside"), std::string::npos);
  std::string huge = good;
  huge[7] = '\x7f';
  EXPECT_NE(err(huge).find("exceeds"), std::string::npos);
  auto header = [](const std::string& h, size_t data) {
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((h.size() >> (8 * i)) & 0xff);
    return out + h + std::string(data, '\0');
  };
  EXPECT_NE(err(header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", 8)).find("does not match"), std::string::npos);
  EXPECT_NE(err(header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})", 8)).find("overlap"), std::string::npos);
  EXPECT_NE(err(header(R"({"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}})", 8)).find("unsupported dtype"), std::string::npos);
  EXPECT_NE(err(header(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 8)).find("negative"), std::string::npos);
}

}  // namespace kda
