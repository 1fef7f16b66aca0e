#include "task/safetensors.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.h"
#include "core/fs.h"

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

namespace kda {
namespace {

std::string with_header(const std::string& h, size_t data) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((h.size() >> (8 * i)) & 0xff);
  return out + h + std::string(data, '\0');
}

std::string error_of(const std::string& bytes) {
  try {
    parse_safetensors(bytes, "f.safetensors");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST(Safetensors, HeaderShapesAndOffsetsAreChecked) {
  EXPECT_NE(error_of(with_header("{not json", 0)).find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(with_header("[1]", 0)).find("not a JSON object"), std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a": 3})", 0)).find("lacks dtype"), std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":5,"shape":[1],"data_offsets":[0,4]}})", 4)).find("not a string"), std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32","shape":3,"data_offsets":[0,4]}})", 4)).find("shape"), std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4)).find("data_offsets"), std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}})", 4)).find("data_offsets"), std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", 4)).find("outside"), std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})", 4)).find("outside"), std::string::npos);
  // numel * 4 overflows 64 bits; a dimension beyond int64 is refused even when another is 0.
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", 0)).find("too large"),
            std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})", 0)).find("does not match"),
            std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32","shape":[18446744073709551615,0],"data_offsets":[0,0]}})", 0)).find("out of range"),
            std::string::npos);
  EXPECT_NE(error_of(with_header(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4)).find("non-integer"), std::string::npos);
}

TEST(Safetensors, MetadataAndEmptyTensorsAreAccepted) {
  auto ts = parse_safetensors(
      with_header(R"({"__metadata__":{"format":"pt"},"e":{"dtype":"I64","shape":[0,3],"data_offsets":[0,0]},"s":{"dtype":"BOOL","shape":[],"data_offsets":[0,1]}})", 1),
      "m");
  ASSERT_EQ(ts.size(), 2u);
  EXPECT_EQ(ts[0].numel(), 0u);
  EXPECT_EQ(ts[1].dtype, DType::kBool);
  EXPECT_TRUE(ts[1].shape.empty());
}

TEST(Safetensors, FilesRoundTripWithEveryDtype) {
  TempDir dir("kda-st-test");
  std::vector<HostTensor> ts;
  for (DType t : {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat8E4M3, DType::kFloat8E5M2, DType::kInt8,
                  DType::kInt16, DType::kInt32, DType::kInt64, DType::kUInt8, DType::kBool})
    ts.push_back(tensor(std::string("t_") + dtype_name(t), t, {2, 3}));
  write_safetensors(dir.path() / "all.safetensors", ts);
  std::string bytes = read_file(dir.path() / "all.safetensors");
  uint64_t hlen = 0;
  for (int i = 0; i < 8; ++i) hlen |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  EXPECT_EQ((8 + hlen) % 8, 0u);  // data starts aligned
  auto back = read_safetensors(dir.path() / "all.safetensors");
  ASSERT_EQ(back.size(), ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    EXPECT_EQ(back[i].name, ts[i].name);
    EXPECT_EQ(back[i].dtype, ts[i].dtype);
    EXPECT_EQ(back[i].data, ts[i].data);
  }
  EXPECT_STREQ(safetensors_dtype(DType::kFloat8E4M3), "F8_E4M3");
  EXPECT_THROW(read_safetensors(dir.path() / "absent.safetensors"), Error);
  EXPECT_THROW(read_safetensors(dir.path()), Error);  // a directory
}

}  // namespace kda
