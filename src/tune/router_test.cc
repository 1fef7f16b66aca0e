#include "tune/router.h"

#include <dlfcn.h>
#include <dlpack/dlpack.h>
#include <gtest/gtest.h>

#include "build/builder.h"
#include "core/error.h"
#include "core/fs.h"

namespace kda {
namespace {

// A definition y[M, N] = f(x[M, N]) and one source with a tunable SCALE whose variants differ
// only in that macro. The source also has the things that break a naive concatenation: an
// external-linkage helper, a template, and a default #define of a second macro.
Definition scale_definition() {
  return parse_definition(parse_json(R"({
    "name": "scale", "op_type": "scale",
    "axes": {"M": {"type": "var"}, "N": {"type": "var"}},
    "inputs": {"x": {"shape": ["M", "N"], "dtype": "float32"}},
    "outputs": {"y": {"shape": ["M", "N"], "dtype": "float32"}},
    "kda": {"schema_version": 1}})", "test"), "test");
}

const char* kSource = R"(#include <dlpack/dlpack.h>
#include <cstdint>
#ifndef SCALE
#define SCALE 1
#endif
#ifndef OFFSET
#define OFFSET 0.0f
#endif
float helper(float v) { return v * SCALE + OFFSET; }
template <int S> float times(float v) { return v * S; }
extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void*) {
  const int64_t n = in[0].shape[0] * in[0].shape[1];
  const float* x = static_cast<const float*>(in[0].data);
  float* y = static_cast<float*>(out[0].data);
  for (int64_t i = 0; i < n; ++i) y[i] = helper(x[i]) + times<SCALE>(0.0f);
  return 0;
}
)";

Variant variant(int scale) {
  Variant v;
  v.solution.name = "scale[SCALE=" + std::to_string(scale) + "]";
  v.solution.definition = "scale";
  v.solution.language = "cpp";
  v.solution.entry_point = "k.cc::kda_entry";
  v.solution.sources = {{"k.cc", kSource}};
  v.solution.params["SCALE"] = scale;
  v.origin = "scale";
  v.label = "SCALE=" + std::to_string(scale);
  v.params = {{"SCALE", scale}};
  v.hash = v.solution.content_hash();
  return v;
}

float call(void* lib, int64_t m, int64_t n) {
  using Entry = int (*)(const DLTensor*, int, DLTensor*, int, void*);
  auto entry = reinterpret_cast<Entry>(dlsym(lib, "kda_entry"));
  std::vector<float> x(static_cast<size_t>(m * n), 1.0f), y(x.size(), -1.0f);
  int64_t shape[2] = {m, n};
  DLTensor in{x.data(), {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, shape, nullptr, 0};
  DLTensor out{y.data(), {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, shape, nullptr, 0};
  EXPECT_EQ(entry(&in, 1, &out, 1, nullptr), 0);
  return y.back();
}

// A router over SCALE variants of `def` on the CPU backend; the segmentation is the test's.
RouterInput scale_router(const std::string& name, const Definition& def, std::vector<Variant> variants) {
  RouterInput in;
  in.name = name;
  in.backend = "cpu";
  in.definition = &def;
  in.variants = std::move(variants);
  return in;
}

TEST(Router, DispatchesEachRegimeToItsSpecialistWithItsParametersBakedIn) {
  TempDir dir("kda-router-test");
  Definition def = scale_definition();
  RouterInput in = scale_router("scale_cpu_router", def, {variant(2), variant(3), variant(5)});
  in.segmentation.key.axes = {"M", "N"};
  in.segmentation.regimes = {{100, 0}, {10000, 2}, {std::nullopt, 1}};
  Solution router = write_router(dir.path() / "router", in);
  EXPECT_EQ(router.name, "scale_cpu_router");
  EXPECT_TRUE(router.params.empty());

  BuildResult b = build_solution(router, {.backend = "cpu", .cache_root = dir.path() / "builds"});
  ASSERT_TRUE(b.ok) << b.log;
  void* lib = dlopen(b.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  EXPECT_EQ(call(lib, 1, 99), 2.0f);      // key 99 < 100: specialist SCALE=2
  EXPECT_EQ(call(lib, 10, 10), 5.0f);     // key 100: second regime, SCALE=5
  EXPECT_EQ(call(lib, 4, 4096), 3.0f);    // key 16384: the open regime, SCALE=3
  dlclose(lib);

  Json table = parse_json(read_file(dir.path() / "router" / "regimes.json"), "regimes.json");
  EXPECT_EQ(table["kda_regimes"], kRegimesSchemaVersion);
  EXPECT_EQ(table["key"]["label"], "M*N");
  ASSERT_EQ(table["regimes"].size(), 3u);
  EXPECT_EQ(table["regimes"][1]["variant"], "scale[SCALE=5]");
  EXPECT_TRUE(table["regimes"][2]["below"].is_null());
  EXPECT_EQ(table["specialists"].size(), 3u);
}

// A depth-two tree: N first, then M within the long rows; one specialist serves two leaves.
TEST(Router, DispatchesATreeOfRegimes) {
  TempDir dir("kda-router-test");
  Definition def = scale_definition();
  RouterInput in = scale_router("scale_cpu_tree", def, {variant(2), variant(3), variant(5)});
  in.segmentation.key.axes = {"N"};
  Regime long_rows;
  long_rows.inner_key.axes = {"M"};
  long_rows.inner = {{8, 1}, {std::nullopt, 0}};
  in.segmentation.regimes = {{1000, 0}, long_rows};
  in.segmentation.regimes[1].below = std::nullopt;
  EXPECT_EQ(in.segmentation.leaves(), 3u);
  EXPECT_EQ(in.segmentation.specialists(), (std::vector<size_t>{0, 1}));
  Solution router = write_router(dir.path() / "router", in);
  BuildResult b = build_solution(router, {.backend = "cpu", .cache_root = dir.path() / "builds"});
  ASSERT_TRUE(b.ok) << b.log;
  void* lib = dlopen(b.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  EXPECT_EQ(call(lib, 64, 999), 2.0f);   // N < 1000: SCALE=2 whatever M
  EXPECT_EQ(call(lib, 4, 4096), 3.0f);   // long rows, few of them: SCALE=3
  EXPECT_EQ(call(lib, 64, 4096), 2.0f);  // long rows, many: SCALE=2 again
  dlclose(lib);
  Json table = parse_json(read_file(dir.path() / "router" / "regimes.json"), "regimes.json");
  EXPECT_EQ(table["regimes"][1]["inner"]["key"]["label"], "M");
  EXPECT_EQ(table["regimes"][1]["inner"]["regimes"][0]["variant"], "scale[SCALE=3]");
  EXPECT_EQ(describe_regimes(table), "N < 1000: scale[SCALE=2]; else: [M < 8: scale[SCALE=3]; else: scale[SCALE=2]]");
  EXPECT_NE(router.description.find("M < 8: scale[SCALE=3]"), std::string::npos) << router.description;
}

TEST(Router, AKeyAxisInNoTensorIsAClearError) {
  TempDir dir("kda-router-test");
  Definition def = scale_definition();
  RouterInput in = scale_router("r", def, {variant(2)});
  in.segmentation.key.axes = {"K"};
  in.segmentation.regimes = {{std::nullopt, 0}};
  EXPECT_THROW(write_router(dir.path() / "router", in), Error);
}

}  // namespace
}  // namespace kda
