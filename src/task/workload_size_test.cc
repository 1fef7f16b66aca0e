#include "task/workload_size.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "task/test_data.h"

namespace kda {
namespace {

Definition rmsnorm() { return parse_definition(parse_json(testdata::kDefinition, "d"), "d"); }

Workload rows(int64_t m) {
  Workload w = parse_workload(parse_json(testdata::kWorkloadLine, "w"), "w:1");
  w.axes["M"] = m;
  return w;
}

std::string input_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    return e.what();
  }
  return "(accepted)";
}

TEST(WorkloadSize, CountsEveryInputAndOutput) {
  // x and y are bf16 [M, 128], w is bf16 [128], eps is one float32.
  EXPECT_EQ(workload_bytes(rmsnorm(), rows(7)), 2u * 7 * 128 * 2 + 128 * 2 + 4);
}

TEST(WorkloadSize, AShapeTooLargeToCountIsAnInputErrorNamingTheWorkload) {
  std::string e = input_error([] { workload_bytes(rmsnorm(), rows(int64_t{1} << 62)); });
  EXPECT_NE(e.find("workload w-1"), std::string::npos) << e;
  EXPECT_NE(e.find("tensor 'x'"), std::string::npos) << e;
}

TEST(WorkloadSize, AWorkloadThatCannotFitIsRefusedBeforeAllocating) {
  // 2^40 rows of 256 bytes: 256 TiB per set, more than any host here has.
  std::string e = input_error([] { check_workload_fits(rmsnorm(), rows(int64_t{1} << 40), 3, host_available_bytes(), "host memory"); });
  EXPECT_NE(e.find("workload w-1 does not fit"), std::string::npos) << e;
  EXPECT_NE(e.find("host memory"), std::string::npos) << e;
  EXPECT_NO_THROW(check_workload_fits(rmsnorm(), rows(7), 3, host_available_bytes(), "host memory"));
  EXPECT_NO_THROW(check_workload_fits(rmsnorm(), rows(int64_t{1} << 40), 3, 0, "unknown"));
  EXPECT_GT(host_available_bytes(), 0u) << "/proc/meminfo should be readable on Linux";
}

TEST(Formula, DivisionByZeroAndOverflowAreInputErrors) {
  auto def = [](const std::string& flops) {
    std::string text = testdata::kDefinition;
    text.insert(text.rfind('}'), ", \"kda\": {\"flops\": \"" + flops + "\"}");
    return parse_definition(parse_json(text, "def.json"), "def.json");
  };
  EXPECT_NE(input_error([&] { def("M*H/0"); }).find("divides by zero"), std::string::npos);
  EXPECT_NE(input_error([&] { def("M/(M-M)"); }).find("divides by zero"), std::string::npos);
  const std::string big = "1" + std::string(200, '0');  // 1e200: finite, its square is not
  EXPECT_NE(input_error([&] { def(big + "*" + big + "*M"); }).find("overflows"), std::string::npos);
  // Zero only at some values of M: loads, and the workload with M=1 is refused by name.
  Definition d = def("M/(M-1)");
  std::string e = input_error([&] { eval_formula(d.flops_expr, resolve_axes(d, {{"M", 1}}, "w"), "w: kda.flops"); });
  EXPECT_NE(e.find("divides by zero at H=128, M=1"), std::string::npos) << e;
  EXPECT_DOUBLE_EQ(eval_formula(d.flops_expr, resolve_axes(d, {{"M", 3}}, "w"), "w"), 1.5);
}

}  // namespace
}  // namespace kda
