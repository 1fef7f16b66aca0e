// The Python runner end to end on real flashinfer-trace definitions (tests/data/flashinfer_trace,
// unchanged): their PyTorch references, Python candidates, the Python red team, a reference at
// fault, and a missing torch. Needs a python3 with torch (Debian: python3-torch, installed by
// scripts/install-deps.sh); without one every test here is skipped, and says why.
#include <gtest/gtest.h>

#include <fstream>

#include "core/fs.h"
#include "tests/e2e_support.h"

namespace kda::e2e {
namespace fs = std::filesystem;

namespace {

const fs::path kSource = KDA_SOURCE_DIR;

bool have_torch() {
  static const bool ok = [] {
    for (const char* py : {"python3", "/usr/bin/python3"}) {
      ProcessResult r = run_process({.argv = {py, "-I", "-c", "import torch"}, .timeout = std::chrono::seconds(120)});
      if (r.ok()) return true;
    }
    return false;
  }();
  return ok;
}

#define REQUIRE_TORCH() \
  if (!have_torch()) GTEST_SKIP() << "no python3 with torch here (apt install python3-torch)"

// A private copy of the vendored dataset: kda writes its store and traces beside the dataset.
fs::path copy_dataset(const fs::path& parent) {
  fs::path ds = parent / "flashinfer_trace";
  fs::copy(kSource / "tests/data/flashinfer_trace", ds, fs::copy_options::recursive);
  return ds;
}

// A --hidden file that leaves the first `keep` workloads of a definition public.
fs::path hide_all_but(const fs::path& ds, const std::string& op_dir, const std::string& def, size_t keep) {
  std::ifstream in(ds / "workloads" / op_dir / (def + ".jsonl"));
  fs::path out = ds.parent_path() / (def + ".hidden.jsonl");
  std::ofstream o(out);
  std::string line;
  for (size_t i = 0; std::getline(in, line); ++i)
    if (i >= keep && !line.empty()) o << line << "\n";
  return out;
}

std::vector<std::string> candidates(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory()) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(PythonRunner, RedTeamGetsTheVerdictsNativeCandidatesGet) {
  REQUIRE_TORCH();
  TempDir tmp("kda-pyredteam");
  fs::path ds = copy_dataset(tmp.path());
  fs::remove("/tmp/kda-redteam-task-secret.txt");
  write_file_atomic("/tmp/kda-redteam-task-secret.txt", "hidden = 1\n");  // reads_outside_scratch tries it
  const Json want = read_json_file(kSource / "tests/redteam_python/EXPECTED.json");
  std::vector<std::string> args = {"eval", ds.string()};
  for (const std::string& c : candidates(kSource / "tests/redteam_python")) args.push_back(c);
  for (const char* a : {"--definition", "rmsnorm_h128", "--json", "--timeout", "2", "--budget", "0.1"})
    args.push_back(a);
  args.insert(args.end(), {"--hidden", hide_all_but(ds, "rmsnorm", "rmsnorm_h128", 1).string()});
  auto r = kda(args, tmp.path() / "cache");
  ASSERT_EQ(r.exit_code, 0) << r.describe() << "\n" << r.err;
  std::map<std::string, int> seen;
  for (const Json& t : traces_of(r.out)) {
    const std::string name = t["solution"].get<std::string>().substr(3);  // "py_<dir>"
    ASSERT_TRUE(want.contains(name)) << name;
    const Json& w = want[name];
    EXPECT_EQ(t["kda"]["status"], w["status"]) << name << ": " << t["kda"].dump();
    EXPECT_EQ(t["kda"]["reason_code"], w["reason_code"]) << name << ": " << t["kda"].dump();
    if (w.contains("reason_contains")) {
      EXPECT_NE(t["kda"]["reason"].get<std::string>().find(w["reason_contains"].get<std::string>()), std::string::npos)
          << name << ": " << t["kda"]["reason"];
    }
    ++seen[name];
  }
  for (auto& [name, _] : want.items()) EXPECT_EQ(seen[name], 1) << name << " should have one trace for the one public workload";
  // The traces also went to the dataset's traces/ folder, in flashinfer-bench's layout.
  EXPECT_TRUE(fs::exists(ds / "traces" / "kda-redteam" / "rmsnorm" / "rmsnorm_h128.jsonl"));
}

TEST(PythonRunner, RealDefinitionsPassWithPythonSolutions) {
  REQUIRE_TORCH();
  TempDir tmp("kda-pyreal");
  fs::path ds = copy_dataset(tmp.path());
  auto r = kda({"eval", ds.string(), (kSource / "tests/python_solutions/fused_add_rmsnorm_h2048_python").string(),
                "--definition", "fused_add_rmsnorm_h2048", "--json", "--budget", "0.05",
                "--hidden", hide_all_but(ds, "rmsnorm", "fused_add_rmsnorm_h2048", 3).string()},
               tmp.path() / "cache");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto traces = traces_of(r.out);
  ASSERT_EQ(traces.size(), 3u) << r.out;
  for (const Json& t : traces) {
    EXPECT_EQ(t["evaluation"]["status"], "PASSED") << t.dump();
    // Without a baseline the reference is what the candidate is timed against.
    EXPECT_GT(t["evaluation"]["performance"]["reference_latency_ms"].get<double>(), 0);
  }
}

TEST(PythonRunner, GemmPassesThroughItsOwnFloat16Reference) {
  // gemm_n128_k2048's reference multiplies float16 matrices. torch before 2.1 (Debian 12 has 1.13)
  // has no float16 matmul on the CPU; the Python runner then computes those products in float32
  // and rounds to float16 (kda_pyrunner.py, install_cpu_half_matmul), as a GPU's GEMM does, so the
  // unchanged reference runs. A second op type of the real dataset, PASSED on the CPU.
  REQUIRE_TORCH();
  TempDir tmp("kda-pygemm");
  fs::path ds = copy_dataset(tmp.path());
  auto r = kda({"eval", ds.string(), (kSource / "tests/python_solutions/gemm_n128_k2048_torch").string(), "--definition",
                "gemm_n128_k2048", "--json", "--budget", "0.05", "--hidden",
                hide_all_but(ds, "gemm", "gemm_n128_k2048", 3).string()},
               tmp.path() / "cache");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto traces = traces_of(r.out);
  ASSERT_EQ(traces.size(), 3u) << r.out;
  for (const Json& t : traces) EXPECT_EQ(t["evaluation"]["status"], "PASSED") << t.dump();
}

// `binding: torch` on the CPU: a C++ solution built by torch's cpp_extension (kda_torch_build.py)
// inside the build confinement, published into the build cache, imported by the Python runner
// under the runner's confinement. Debian's headers for it are libtorch-dev and pybind11-dev.
TEST(PythonRunner, ATorchBoundCppSolutionBuildsConfinedAndPasses) {
  REQUIRE_TORCH();
  if (!fs::exists("/usr/include/torch/extension.h") && !fs::exists("/usr/lib/python3/dist-packages/torch/include/torch/extension.h"))
    GTEST_SKIP() << "no torch C++ headers here (apt install libtorch-dev pybind11-dev)";
  TempDir tmp("kda-pytorchcpp");
  fs::path ds = copy_dataset(tmp.path());
  auto r = kda({"eval", ds.string(), (kSource / "tests/python_solutions/rmsnorm_h128_torch_cpp").string(), "--definition",
                "rmsnorm_h128", "--json", "--budget", "0.05", "--hidden",
                hide_all_but(ds, "rmsnorm", "rmsnorm_h128", 1).string()},
               tmp.path() / "cache", {}, std::chrono::minutes(9));  // torch/extension.h: minutes on a busy 2-core machine
  ASSERT_EQ(r.exit_code, 0) << r.describe() << "\n" << r.err;
  auto traces = traces_of(r.out);
  ASSERT_EQ(traces.size(), 1u) << r.out;
  EXPECT_EQ(traces[0]["evaluation"]["status"], "PASSED") << traces[0].dump();
  // The build is in the cache under its key, whole: the extension, its log and the ok marker.
  size_t published = 0;
  for (const auto& e : fs::recursive_directory_iterator(tmp.path() / "cache"))
    if (e.path().filename() == "ok" && fs::exists(e.path().parent_path() / "build.log")) ++published;
  EXPECT_GE(published, 1u);
}

// A task made of the real rmsnorm_h128 definition with its reference replaced.
fs::path task_with_reference(const fs::path& parent, const std::string& name, const std::string& reference) {
  fs::path task = parent / name;
  fs::create_directories(task);
  Json d = read_json_file(kSource / "tests/data/flashinfer_trace/definitions/rmsnorm/rmsnorm_h128.json");
  d["reference"] = reference;
  write_file_atomic(task / "definition.json", d.dump(2));
  std::ifstream in(kSource / "tests/data/flashinfer_trace/workloads/rmsnorm/rmsnorm_h128.jsonl");
  std::string line;
  std::getline(in, line);
  write_file_atomic(task / "workloads.jsonl", line + "\n");
  return task;
}

TEST(PythonRunner, AFaultyReferenceIsTheDefinitionsFaultNotTheCandidates) {
  REQUIRE_TORCH();
  TempDir tmp("kda-pyref");
  const std::string honest = (kSource / "tests/redteam_python/honest").string();
  struct Case {
    const char* name;
    const char* reference;
    const char* says;
  } cases[] = {
      {"raises", "def run(hidden_states, weight):\n    raise ValueError('the reference gave up')\n", "the reference gave up"},
      {"wrong_shape", "def run(hidden_states, weight):\n    return hidden_states[:1].clone()\n", "has shape"},
      {"hangs", "import time\ndef run(hidden_states, weight):\n    time.sleep(3600)\n", "rmsnorm_h128"},
  };
  for (const Case& c : cases) {
    fs::path task = task_with_reference(tmp.path(), c.name, c.reference);
    auto r = kda({"eval", task.string(), honest, "--json", "--timeout", "2", "--budget", "0.05"}, tmp.path() / "cache");
    EXPECT_EQ(r.exit_code, 3) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find("the reference of rmsnorm_h128"), std::string::npos) << c.name << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.name << ": " << r.err;
    EXPECT_TRUE(traces_of(r.out).empty()) << c.name << ": no candidate verdict when the reference fails";
  }
}

TEST(PythonRunner, APythonWithoutTorchIsAnEnvironmentError) {
  TempDir tmp("kda-notorch");
  // python3 without its site packages: an interpreter that cannot import torch.
  fs::path py = tmp.path() / "python3-without-torch";
  write_file_atomic(py, "#!/bin/sh\nexec python3 -S \"$@\"\n");
  fs::permissions(py, fs::perms::owner_all);
  fs::path task = task_with_reference(tmp.path(), "task",
                                      read_json_file(kSource / "tests/data/flashinfer_trace/definitions/rmsnorm/"
                                                               "rmsnorm_h128.json")["reference"].get<std::string>());
  auto r = kda({"eval", task.string(), (kSource / "tests/redteam_python/honest").string(), "--budget", "0.05"},
               tmp.path() / "cache", {{"KDA_PYTHON", py.string()}});
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_NE(r.err.find("cannot import torch"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("python3-torch"), std::string::npos) << r.err;
}

TEST(PythonRunner, TvmFfiSolutionsAreRefusedWithOneMessage) {
  REQUIRE_TORCH();
  TempDir tmp("kda-tvmffi");
  fs::path ds = copy_dataset(tmp.path());
  fs::path sol = tmp.path() / "tvm";
  fs::create_directories(sol);
  write_file_atomic(sol / "kernel.cu", "// a TVM-FFI kernel\n");
  write_file_atomic(sol / "solution.json",
                    R"({"name": "tvm_rmsnorm", "definition": "rmsnorm_h128", "author": "t",
                        "spec": {"language": "cuda", "target_hardware": ["H200"], "entry_point": "kernel.cu::run",
                                 "binding": "tvm-ffi"}, "sources": [{"path": "kernel.cu"}]})");
  auto r = kda({"eval", ds.string(), sol.string(), "--definition", "rmsnorm_h128", "--json", "--budget", "0.05"},
               tmp.path() / "cache");
  EXPECT_EQ(r.exit_code, 6) << r.err;
  EXPECT_NE(r.err.find("tvm-ffi"), std::string::npos) << r.err;
  EXPECT_TRUE(traces_of(r.out).empty()) << "never a COMPILE_ERROR that blames the candidate";
}

TEST(PythonRunner, TuneWorksOnADatasetDefinitionWithAPythonReference) {
  REQUIRE_TORCH();
  TempDir tmp("kda-pytune");
  fs::path ds = copy_dataset(tmp.path());
  auto r = kda({"tune", ds.string(), (kSource / "tests/python_solutions/rmsnorm_h128_cpp").string(), "--definition",
                "rmsnorm_h128", "--budget", "0.05", "--json", "--max-workload-mb", "1"},
               tmp.path() / "cache");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json rep = Json::parse(r.out);
  EXPECT_TRUE(fs::exists(rep.at("router").get<std::string>())) << r.out;
}

}  // namespace kda::e2e

namespace kda::e2e {

TEST(PythonRunner, RunWorksOnADatasetDefinitionWithAPythonReference) {
  REQUIRE_TORCH();
  TempDir tmp("kda-pyrun");
  fs::path ds = copy_dataset(tmp.path());
  fs::path run = tmp.path() / "run";
  auto r = kda({"run", ds.string(), "--definition", "rmsnorm_h128", "--start",
                (kSource / "tests/python_solutions/rmsnorm_h128_cpp").string(), "--max-workload-mb", "1", "--budget", "0.05",
                "--accept-plan", "--run-dir", run.string(), "--wall-time", "20"},
               tmp.path() / "cache");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The run records its task as the definition's file where the dataset keeps it, and every
  // round's candidate was checked against the PyTorch reference on the workloads kept.
  Json meta = read_json_file(run / "run.json");
  EXPECT_EQ(fs::path(meta["task_dir"].get<std::string>()), fs::absolute(ds / "definitions/rmsnorm/rmsnorm_h128.json"));
  std::ifstream cands(run / "candidates.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(cands, line)) << "no candidate was checked";
  Json c = Json::parse(line);
  ASSERT_FALSE(c["traces"].empty());
  for (const Json& t : c["traces"]) EXPECT_EQ(t["status"], "PASSED") << t.dump();
  EXPECT_LT(c["traces"].size(), 14u) << "--max-workload-mb leaves the largest workloads out of every CHECK";
}

}  // namespace kda::e2e
