// Acceptance 3 of the knowledge base: over >= 1,000 entries (the repository's wiki/ plus
// synthetic extras generated here, for the benchmark only), in-process search p50 < 5 ms and
// p99 < 20 ms, full re-index < 2 s. Counters: entries, p50_us / p99_us (search), entries/s.
// With KDA_KERNELWIKI_DIR set, that KernelWiki checkout is imported into the benchmark wiki too
// (issue 18: search p50 < 5 ms in-process, < 60 ms per `kda wiki search` process). Beside the
// wall-clock figures, cpu_p50 counters give the CPU time (this thread's for a search, the child's
// user + system for a process): on the shared 2-core VM the wall clock also measures the
// neighbours, and docs/results.md reports both with the load average.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <ctime>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/fs.h"
#include "wiki/entry.h"
#include "wiki/import.h"
#include "wiki/index.h"

namespace {
namespace fs = std::filesystem;

constexpr int kSynthetic = 1000;

const std::vector<std::string> kTech = {"tma", "wgmma", "warp-specialization", "swizzle", "padding", "split-k",
                                        "stream-k", "fp8", "tcgen05", "tmem", "mfma", "radix-select",
                                        "online-softmax", "operator-fusion", "persistent-kernel", "split-kv"};
const std::vector<std::string> kOps = {"gemm", "attention", "moe", "topk", "rmsnorm", "softmax", "decode", "prefill"};
const std::vector<std::string> kArch = {"sm90", "sm100", "gfx942", "sm80"};
const std::vector<std::string> kWords = {"latency", "bandwidth", "shared", "memory", "register", "pipeline", "stage",
                                         "tile", "warp", "block", "cluster", "occupancy", "epilogue", "scale",
                                         "accumulator", "layout", "kernel", "throughput", "cache", "barrier"};

// A wiki dir with the repository's entries plus kSynthetic generated ones.
const fs::path& bench_wiki() {
  static kda::TempDir dir("kda-wiki-bench");
  static bool made = false;
  if (made) return dir.path();
  made = true;
  fs::path src = fs::path(KDA_SOURCE_DIR) / "wiki";
  if (fs::exists(src))
    for (auto& f : kda::wiki::entry_files(src)) {
      fs::path to = dir.path() / "repo" / fs::relative(f, src);
      fs::create_directories(to.parent_path());
      fs::copy_file(f, to);
    }
  std::mt19937 rng(42);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  fs::create_directories(dir.path() / "synthetic");
  for (int i = 0; i < kSynthetic; ++i) {
    std::string t1 = pick(kTech), t2 = pick(kTech), op = pick(kOps), arch = pick(kArch);
    std::string body;
    for (int w = 0; w < 220; ++w) body += pick(kWords) + (w % 17 == 16 ? ".\n" : " ");
    std::string text = "---\nschema_version: 1\nid: technique-synthetic-" + std::to_string(i) +
                       "\ntitle: \"Synthetic " + t1 + " for " + op + " on " + arch + " #" + std::to_string(i) +
                       "\"\nkind: technique\narchitectures: [" + arch + "]\nkernel_types: [" + op +
                       "]\ntechniques: [" + t1 + ", " + t2 + "]\nconfidence: experimental\nsources:\n"
                       "  - repo: example/synthetic\n    pr: " + std::to_string(i + 1) +
                       "\n    url: https://github.com/example/synthetic/pull/" + std::to_string(i + 1) + "\n---\n\n" +
                       "Uses " + t1 + " and " + t2 + " in a " + op + " kernel.\n\n" + body + "\n";
    std::ofstream(dir.path() / "synthetic" / ("s" + std::to_string(i) + ".md")) << text;
  }
  if (const char* kw = std::getenv("KDA_KERNELWIKI_DIR"); kw && *kw)
    kda::wiki::import_kernelwiki({kw, dir.path(), "kernelwiki"});
  return dir.path();
}

void BM_FullReindex(benchmark::State& state) {
  const fs::path& dir = bench_wiki();
  size_t n = 0;
  for (auto _ : state) {
    auto s = kda::wiki::build_index(dir, /*full_rebuild=*/true);
    n = s.added;
  }
  state.counters["entries"] = static_cast<double>(n);
  state.counters["entries/s"] = benchmark::Counter(static_cast<double>(n) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_FullReindex)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_IncrementalReindexUnchanged(benchmark::State& state) {
  const fs::path& dir = bench_wiki();
  kda::wiki::build_index(dir);
  for (auto _ : state) benchmark::DoNotOptimize(kda::wiki::build_index(dir));
}
BENCHMARK(BM_IncrementalReindexUnchanged)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_Search(benchmark::State& state) {
  const fs::path& dir = bench_wiki();
  kda::wiki::build_index(dir);
  kda::wiki::Index idx(dir);
  const std::vector<kda::wiki::Query> queries = {
      {.text = "reduce shared memory bank conflicts in a transpose"},
      {.text = "fp8 gemm on hopper with warp specialization"},
      {.text = "topk warp select sm_90", .arch = "sm90"},
      {.text = "UMMA accumulator in tensor memory"},
      {.text = "decode attention small batch split kv", .kind = "technique"},
      {.text = "fuse residual add with rmsnorm"},
      {.text = "", .arch = "sm_90", .finding = "shared-bank-conflict"},
      {.text = "moe grouped gemm multicast", .technique = "tma-multicast"},
      {.text = "radix select", .op = "topk", .since = "2025"},
  };
  std::vector<double> us, cpu;
  size_t i = 0, results = 0;
  auto thread_us = [] {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
  };
  for (auto _ : state) {
    double c0 = thread_us();
    auto t0 = std::chrono::steady_clock::now();
    auto hits = idx.search(queries[i++ % queries.size()]);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    cpu.push_back(thread_us() - c0);
    results += hits.size();
  }
  std::sort(us.begin(), us.end());
  std::sort(cpu.begin(), cpu.end());
  state.counters["cpu_p50_us"] = cpu[cpu.size() / 2];
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  state.counters["results/query"] = static_cast<double>(results) / static_cast<double>(us.size());
}
BENCHMARK(BM_Search)->Unit(benchmark::kMicrosecond)->Iterations(2000);

// The whole `kda wiki search` process (start-up, staleness check, query, output), as a user or
// an agent runs it: set KDA_BIN to the kda binary. Counters p50_ms / p99_ms. Started with
// posix_spawn (as a shell's vfork would), output to /dev/null: fork() of this benchmark, which
// holds the whole wiki and an open index, copies its page tables, which added ~30 ms per run on
// the loaded 2-core VM (148 -> 119 ms p50), a cost of the benchmark, not of kda.
void BM_SearchProcess(benchmark::State& state) {
  const char* bin = std::getenv("KDA_BIN");
  if (!bin || !*bin) {
    state.SkipWithError("set KDA_BIN to the kda binary");
    return;
  }
  const fs::path& dir = bench_wiki();
  kda::wiki::build_index(dir);
  const std::vector<std::string> queries = {"LDS bank conflict", "grouped gemm", "fp8 gemm on hopper",
                                            "tensor memory accumulator", "split-k decode"};
  std::vector<double> ms, cpu;
  size_t i = 0;
  auto children_ms = [] {
    rusage u;
    getrusage(RUSAGE_CHILDREN, &u);
    auto ms_of = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
    return ms_of(u.ru_utime) + ms_of(u.ru_stime);
  };
  posix_spawn_file_actions_t io;
  posix_spawn_file_actions_init(&io);
  posix_spawn_file_actions_addopen(&io, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&io, 2, "/dev/null", O_WRONLY, 0);
  for (auto _ : state) {
    std::string wiki = dir.string(), query = queries[i++ % queries.size()];
    std::vector<char*> argv = {const_cast<char*>(bin), const_cast<char*>("wiki"), const_cast<char*>("--wiki"),
                               wiki.data(), const_cast<char*>("search"), query.data(), nullptr};
    double c0 = children_ms();
    auto t0 = std::chrono::steady_clock::now();
    pid_t pid = -1;
    int status = -1;
    if (posix_spawn(&pid, bin, &io, nullptr, argv.data(), environ) != 0 || waitpid(pid, &status, 0) != pid)
      status = -1;
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    cpu.push_back(children_ms() - c0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) state.SkipWithError("kda wiki search failed");
  }
  posix_spawn_file_actions_destroy(&io);
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  state.counters["cpu_p50_ms"] = cpu[cpu.size() / 2];
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
}
BENCHMARK(BM_SearchProcess)->Unit(benchmark::kMillisecond)->Iterations(50);

}  // namespace

BENCHMARK_MAIN();
