// Acceptance 5 of the profiler: parse the raw page and the largest source page of the H100
// fixtures in < 50 ms each, with memory proportional to the report. Counters: MB/s, and
// mem_ratio = bytes held by the parsed table (strings + vectors) / bytes of the file.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <benchmark/benchmark.h>

#include "profile/csv.h"
#include "profile/raw_page.h"
#include "profile/report.h"
#include "profile/source_page.h"

namespace {
namespace fs = std::filesystem;

fs::path fixtures() {
  const char* env = std::getenv("KDA_NCU_FIXTURES");
  return env ? fs::path(env) : fs::path(KDA_SOURCE_DIR) / "../shared/fixtures/ncu/h100";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t table_bytes(const kda::profile::CsvTable& t) {
  size_t b = t.rows.capacity() * sizeof(kda::profile::CsvRow);
  for (const auto& r : t.rows) {
    b += r.fields.capacity() * sizeof(std::string);
    for (const auto& f : r.fields)
      if (f.capacity() > 15) b += f.capacity() + 1;  // beyond the small-string buffer
  }
  return b;
}

void BM_ParseRawPage(benchmark::State& state) {
  const fs::path p = fixtures() / "raw.csv";
  if (!fs::exists(p)) return state.SkipWithError("H100 fixtures not found (set KDA_NCU_FIXTURES)");
  const std::string text = slurp(p);
  size_t mem = 0;
  for (auto _ : state) {
    auto t = kda::profile::parse_csv(text, "raw.csv");
    auto page = kda::profile::read_raw_page(t);
    benchmark::DoNotOptimize(page.kernels.data());
    mem = table_bytes(t);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["file_bytes"] = static_cast<double>(text.size());
  state.counters["mem_ratio"] = static_cast<double>(mem) / static_cast<double>(text.size());
}
BENCHMARK(BM_ParseRawPage)->Unit(benchmark::kMillisecond);

void BM_ParseLargestSourcePage(benchmark::State& state) {
  fs::path largest;
  if (fs::exists(fixtures()))
    for (const auto& e : fs::directory_iterator(fixtures()))
      if (e.path().filename().string().rfind("source_", 0) == 0 &&
          (largest.empty() || fs::file_size(e.path()) > fs::file_size(largest)))
        largest = e.path();
  if (largest.empty()) return state.SkipWithError("H100 fixtures not found (set KDA_NCU_FIXTURES)");
  const std::string text = slurp(largest);
  size_t mem = 0;
  for (auto _ : state) {
    auto t = kda::profile::parse_csv(text, largest.filename().string());
    auto page = kda::profile::read_source_page(t);
    benchmark::DoNotOptimize(page.hotspots.data());
    mem = table_bytes(t);
  }
  state.SetLabel(largest.filename().string());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["file_bytes"] = static_cast<double>(text.size());
  state.counters["mem_ratio"] = static_cast<double>(mem) / static_cast<double>(text.size());
}
BENCHMARK(BM_ParseLargestSourcePage)->Unit(benchmark::kMillisecond);

void BM_AnalyzeWholeReport(benchmark::State& state) {
  if (!fs::exists(fixtures() / "raw.csv")) return state.SkipWithError("H100 fixtures not found");
  for (auto _ : state) {
    auto r = kda::profile::load_report({fixtures()});
    benchmark::DoNotOptimize(r.kernels.data());
  }
}
BENCHMARK(BM_AnalyzeWholeReport)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
