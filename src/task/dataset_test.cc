// The flashinfer-trace dataset loader, the --hidden split and traces, on real files of the
// dataset vendored unchanged under tests/data/flashinfer_trace (README there says where from).
#include "task/dataset.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "core/error.h"
#include "core/fs.h"
#include "core/hash.h"
#include "core/utf8.h"
#include "task/hidden_split.h"
#include "task/safetensors.h"

namespace kda {
namespace fs = std::filesystem;

namespace {

const fs::path kVendored = fs::path(KDA_SOURCE_DIR) / "tests" / "data" / "flashinfer_trace";
const fs::path kHandwritten = fs::path(KDA_SOURCE_DIR) / "tests" / "data" / "handwritten_traces" / "gemm_n128_k2048.jsonl";

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

template <typename F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return Error(ErrorKind::kInternal, "no error");
}

// A writable copy of the vendored dataset (tests add blobs, solutions and traces to it).
class DatasetCopy : public ::testing::Test {
 protected:
  void SetUp() override { fs::copy(kVendored, root(), fs::copy_options::recursive); }
  fs::path root() const { return dir_.path() / "ds"; }
  TaskDir load(const std::string& name) {
    auto sel = select_definitions(root(), {name}, "");
    EXPECT_EQ(sel.size(), 1u);
    return load_dataset_task(root(), sel.at(0).path);
  }
  TempDir dir_{"kda-dataset-test"};
};

}  // namespace

TEST(Dataset, RecognisesTheLayout) {
  EXPECT_TRUE(is_dataset_root(kVendored));
  EXPECT_FALSE(is_dataset_root(kVendored / "definitions"));
  EXPECT_EQ(dataset_root_of(kVendored / "definitions" / "gemm" / "gemm_n128_k2048.json"), fs::absolute(kVendored).lexically_normal());
  EXPECT_FALSE(dataset_root_of(kHandwritten).has_value());
}

TEST(Dataset, EveryVendoredDefinitionLoadsByName) {
  struct Want {
    std::string name, op_type;
    size_t workloads;
  };
  for (const Want& w : {Want{"rmsnorm_h128", "rmsnorm", 14}, Want{"rmsnorm_h2048", "rmsnorm", 7},
                        Want{"fused_add_rmsnorm_h2048", "rmsnorm", 7}, Want{"gemm_n128_k2048", "gemm", 25},
                        Want{"top_k_sampling_from_probs_v128256", "sampling", 0},
                        Want{"dsa_topk_indexer_fp8_h64_d128_topk2048_ps64", "dsa_paged", 0}}) {
    auto sel = select_definitions(kVendored, {w.name}, "");
    ASSERT_EQ(sel.size(), 1u) << w.name;
    EXPECT_EQ(sel[0].path, kVendored / "definitions" / w.op_type / (w.name + ".json"));
    TaskDir t = load_dataset_task(kVendored, sel[0].path);
    EXPECT_TRUE(t.dataset);
    EXPECT_EQ(t.definition.name, w.name);
    EXPECT_EQ(t.definition.op_type, w.op_type);
    EXPECT_FALSE(t.definition.reference.empty()) << w.name << ": its PyTorch reference";
    EXPECT_EQ(t.workloads.size(), w.workloads) << w.name;
    EXPECT_EQ(t.workloads_file(), kVendored / "workloads" / w.op_type / (w.name + ".jsonl"));
    EXPECT_EQ(t.definition_file(), sel[0].path);
    EXPECT_EQ(t.store_dir(), kVendored / ".kda" / w.name);
    EXPECT_TRUE(t.baselines.empty());
    for (const Workload& x : t.workloads) {
      EXPECT_EQ(x.definition, w.name);
      EXPECT_EQ(x.split, Split::kPublic);
    }
    // The same definition through its file, as kda run's run.json names it.
    TaskDir f = load_task_dir(sel[0].path);
    EXPECT_TRUE(f.dataset);
    EXPECT_EQ(f.definition.name, w.name);
    EXPECT_EQ(f.workloads.size(), w.workloads);
  }
}

TEST(Dataset, SelectsByOpTypeOnceEachSorted) {
  auto sel = select_definitions(kVendored, {"rmsnorm_h2048"}, "rmsnorm");
  ASSERT_EQ(sel.size(), 3u);
  EXPECT_EQ(sel[0].name, "fused_add_rmsnorm_h2048");
  EXPECT_EQ(sel[1].name, "rmsnorm_h128");
  EXPECT_EQ(sel[2].name, "rmsnorm_h2048");
  EXPECT_EQ(select_definitions(kVendored, {}, "gemm").at(0).name, "gemm_n128_k2048");
  EXPECT_EQ(list_definitions(kVendored).size(), 6u);
}

TEST(Dataset, AMissingDefinitionNamesTheNearMatches) {
  Error e = error_of([] { select_definitions(kVendored, {"rmsnorm_h256"}, ""); });
  EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  const std::string m = e.what();
  EXPECT_NE(m.find("no definition named 'rmsnorm_h256'"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean rmsnorm_h128"), std::string::npos) << m;
  EXPECT_NE(m.find("rmsnorm_h2048"), std::string::npos) << m;
  EXPECT_EQ(m.find("gemm"), std::string::npos) << m;

  Error t = error_of([] { select_definitions(kVendored, {}, "attention"); });
  EXPECT_EQ(t.kind(), ErrorKind::kNotFound);
  EXPECT_NE(std::string(t.what()).find("its op types: dsa_paged, gemm, rmsnorm, sampling"), std::string::npos) << t.what();
  EXPECT_EQ(error_of([] { select_definitions(kVendored, {}, ""); }).kind(), ErrorKind::kUsage);
  Error root = error_of([] { load_task_dir(kVendored); });
  EXPECT_EQ(root.kind(), ErrorKind::kUsage);
  EXPECT_NE(std::string(root.what()).find("--definition"), std::string::npos) << root.what();
}

TEST(Dataset, NearMatches) {
  EXPECT_EQ(near_matches("gemm_n128_k2049", {"gemm_n128_k2048", "rmsnorm_h128"}), std::vector<std::string>{"gemm_n128_k2048"});
  EXPECT_TRUE(near_matches("xyz", {"gemm_n128_k2048"}).empty());
}

TEST_F(DatasetCopy, TwoDefinitionsOfOneNameAreRefused) {
  fs::copy_file(root() / "definitions/gemm/gemm_n128_k2048.json", root() / "definitions/gemm/copy.json");
  Error e = error_of([&] { list_definitions(root()); });
  EXPECT_EQ(e.kind(), ErrorKind::kInput);
  EXPECT_NE(std::string(e.what()).find("two definitions are named 'gemm_n128_k2048'"), std::string::npos) << e.what();
}

TEST_F(DatasetCopy, BlobsResolveAgainstTheDatasetRoot) {
  const std::string blob = "./blob/workloads/rmsnorm/rmsnorm_h128/rmsnorm_h128_w1.safetensors";
  HostTensor w{"weight", DType::kBFloat16, {128}, {}};
  w.allocate();
  write_safetensors(root() / blob, {w});
  write_file_atomic(root() / "workloads/rmsnorm/rmsnorm_h128.jsonl",
                    R"({"definition": "rmsnorm_h128", "solution": null, "workload": {"uuid": "w1", "axes": {"batch_size": 4}, )"
                    R"("inputs": {"hidden_states": {"type": "random"}, "weight": {"type": "safetensors", "path": ")" + blob +
                        R"(", "tensor_key": "weight"}}}, "evaluation": null})" "\n");
  TaskDir t = load("rmsnorm_h128");
  ASSERT_EQ(t.workloads.size(), 1u);
  const InputRecipe& r = t.workloads[0].inputs.at("weight");
  EXPECT_EQ(r.kind, InputRecipe::Kind::kSafetensors);
  EXPECT_EQ(read_safetensors(t.root / r.path).at(0).shape, std::vector<int64_t>{128});
}

TEST_F(DatasetCopy, AGitLfsPointerInPlaceOfABlobIsNamedWithHowToFetchIt) {
  const std::string blob = "blob/workloads/rmsnorm/rmsnorm_h128/rmsnorm_h128_w1.safetensors";
  write_file_atomic(root() / blob,
                    "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n");
  write_file_atomic(root() / "workloads/rmsnorm/rmsnorm_h128.jsonl",
                    R"({"definition": "rmsnorm_h128", "solution": null, "workload": {"uuid": "w1", "axes": {"batch_size": 4}, )"
                    R"("inputs": {"weight": {"type": "safetensors", "path": "./)" + blob + R"(", "tensor_key": "weight"}}}, "evaluation": null})" "\n");
  Error e = error_of([&] { load("rmsnorm_h128"); });
  EXPECT_EQ(e.kind(), ErrorKind::kInput);
  EXPECT_EQ(exit_code_for(e.kind()), 3);
  const std::string m = e.what();
  EXPECT_NE(m.find("is a Git LFS pointer file"), std::string::npos) << m;
  EXPECT_NE(m.find("git lfs pull --include '" + blob + "'"), std::string::npos) << m;
  EXPECT_NE(m.find("rmsnorm_h128.jsonl:1: workload w1"), std::string::npos) << m;

  fs::remove(root() / blob);
  Error missing = error_of([&] { load("rmsnorm_h128"); });
  EXPECT_EQ(missing.kind(), ErrorKind::kInput);
  EXPECT_NE(std::string(missing.what()).find("which is not in the dataset"), std::string::npos) << missing.what();
}

TEST_F(DatasetCopy, SolutionsAreFoundByTheDefinitionTheyName) {
  auto sol = [](const std::string& name, const std::string& def, const std::string& author) {
    return R"({"name": ")" + name + R"(", "definition": ")" + def + R"(", "author": ")" + author +
           R"(", "spec": {"language": "python", "target_hardware": ["cpu"], "entry_point": "main.py::run"}, )"
           R"("sources": [{"path": "main.py", "content": "def run(a, b):\n    return a @ b.T\n"}]})";
  };
  write_file_atomic(root() / "solutions/gemm/gemm_n128_k2048/mine.json", sol("mine", "gemm_n128_k2048", "me"));
  write_file_atomic(root() / "solutions/gemm/gemm_n128_k2048/torch_ref.json", sol("torch_ref", "gemm_n128_k2048", "baseline"));
  write_file_atomic(root() / "solutions/rmsnorm/rmsnorm_h128/other.json", sol("other", "rmsnorm_h128", "me"));
  write_file_atomic(root() / "solutions/as_dir/solution.json",
                    R"({"name": "dir_form", "definition": "gemm_n128_k2048", "spec": {"language": "python", "entry_point": "k.py::run"}})");
  write_file_atomic(root() / "solutions/as_dir/k.py", "def run(a, b):\n    return a @ b.T\n");
  TaskDir t = load("gemm_n128_k2048");
  const auto paths = t.solution_paths();
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(paths[0], root() / "solutions/as_dir");
  EXPECT_EQ(paths[1], root() / "solutions/gemm/gemm_n128_k2048/mine.json");
  EXPECT_EQ(paths[2], root() / "solutions/gemm/gemm_n128_k2048/torch_ref.json");
  // flashinfer-bench's baseline is the solution by author "baseline".
  ASSERT_EQ(t.baselines.count("python"), 1u);
  EXPECT_EQ(t.baselines.at("python").name, "torch_ref");

  write_file_atomic(root() / "solutions/broken.json", "{not json");
  EXPECT_EQ(error_of([&] { load("gemm_n128_k2048").solution_paths(); }).kind(), ErrorKind::kInput);
}

TEST_F(DatasetCopy, HiddenFileOfUuids) {
  TaskDir t = load("rmsnorm_h128");
  const std::string before = t.workloads_hash();
  EXPECT_EQ(before, sha256_file(t.workloads_file()));
  write_file_atomic(dir_.path() / "hidden.txt", "# the two largest\n4b7f0d02-8404-4eb4-be5c-64b0fd639684\n\n  6abd9329-a1de-4704-9378-d7d70388cbfd  \n");
  apply_hidden_file(t, dir_.path() / "hidden.txt");
  ASSERT_EQ(t.select("hidden").size(), 2u);
  EXPECT_EQ(t.select("hidden")[0]->uuid, "4b7f0d02-8404-4eb4-be5c-64b0fd639684");
  EXPECT_EQ(t.select("public").size(), 12u);
  EXPECT_EQ(t.hidden_path, dir_.path() / "hidden.txt");
  EXPECT_NE(t.workloads_hash(), before);  // the session records which split it ran

  write_file_atomic(dir_.path() / "typo.txt", "4b7f0d02-8404-4eb4-be5c-64b0fd639685\n");
  TaskDir u = load("rmsnorm_h128");
  Error e = error_of([&] { apply_hidden_file(u, dir_.path() / "typo.txt"); });
  EXPECT_EQ(e.kind(), ErrorKind::kInput);
  EXPECT_NE(std::string(e.what()).find("typo.txt:1: workload '4b7f0d02-8404-4eb4-be5c-64b0fd639685' is not a workload of rmsnorm_h128"),
            std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("did you mean 4b7f0d02-8404-4eb4-be5c-64b0fd639684"), std::string::npos) << e.what();

  write_file_atomic(dir_.path() / "empty.txt", "# nothing\n\n");
  EXPECT_EQ(error_of([&] { apply_hidden_file(u, dir_.path() / "empty.txt"); }).kind(), ErrorKind::kInput);
  write_file_atomic(dir_.path() / "twice.txt", "4b7f0d02-8404-4eb4-be5c-64b0fd639684\n4b7f0d02-8404-4eb4-be5c-64b0fd639684\n");
  EXPECT_EQ(error_of([&] { apply_hidden_file(u, dir_.path() / "twice.txt"); }).kind(), ErrorKind::kInput);
  EXPECT_EQ(error_of([&] { apply_hidden_file(u, dir_.path() / "absent.txt"); }).kind(), ErrorKind::kNotFound);
}

TEST_F(DatasetCopy, HiddenFileOfWorkloadLinesAddsNewOnes) {
  TaskDir t = load("rmsnorm_h128");
  // A trace-shaped line for a new shape, a plain line for an existing workload.
  write_file_atomic(dir_.path() / "hidden.jsonl",
                    R"({"definition": "rmsnorm_h128", "solution": null, "workload": {"uuid": "secret-1", "axes": {"batch_size": 333}, "inputs": {"hidden_states": {"type": "random"}, "weight": {"type": "random"}}}, "evaluation": null})"
                    "\n"
                    R"({"uuid": "52688c58-7dd4-4ce5-8ed7-bc8aabac4d7b", "axes": {"batch_size": 32}, "inputs": {}})"
                    "\n");
  apply_hidden_file(t, dir_.path() / "hidden.jsonl");
  EXPECT_EQ(t.workloads.size(), 15u);
  auto hidden = t.select("hidden");
  ASSERT_EQ(hidden.size(), 2u);
  EXPECT_EQ(hidden[1]->uuid, "secret-1");
  EXPECT_EQ(hidden[1]->axes.at("batch_size"), 333);
  // A new workload is checked against the definition like the dataset's own.
  write_file_atomic(dir_.path() / "bad.jsonl", R"({"uuid": "secret-2", "axes": {"seq_len": 3}, "inputs": {}})" "\n");
  TaskDir u = load("rmsnorm_h128");
  EXPECT_EQ(error_of([&] { apply_hidden_file(u, dir_.path() / "bad.jsonl"); }).kind(), ErrorKind::kInput);
}

TEST_F(DatasetCopy, OneHiddenFileForSeveralDefinitions) {
  // --op-type rmsnorm with one file: each entry goes to the definition that has it (or names it).
  TaskDir a = load("rmsnorm_h128"), b = load("rmsnorm_h2048");
  write_file_atomic(dir_.path() / "hidden.jsonl",
                    "4b7f0d02-8404-4eb4-be5c-64b0fd639684\n" + lines_of(b.workloads_file())[0] + "\n"
                    R"({"definition": "rmsnorm_h2048", "workload": {"uuid": "new-2048", "axes": {"batch_size": 9}, "inputs": {}}, "solution": null, "evaluation": null})"
                    "\n");
  const auto entries = read_hidden_file(dir_.path() / "hidden.jsonl");
  ASSERT_EQ(entries.size(), 3u);
  const auto used_a = apply_hidden(a, entries, dir_.path() / "hidden.jsonl", false);
  const auto used_b = apply_hidden(b, entries, dir_.path() / "hidden.jsonl", false);
  EXPECT_EQ(used_a, (std::vector<bool>{true, false, false}));
  EXPECT_EQ(used_b, (std::vector<bool>{false, true, true}));
  EXPECT_EQ(a.select("hidden").size(), 1u);
  EXPECT_EQ(b.select("hidden").size(), 2u);
  EXPECT_EQ(b.workloads.size(), 8u);
}

TEST(DatasetTraces, FlashinferBenchWrittenTracesRoundTripUnchanged) {
  const fs::path file = kVendored / "traces" / "gemm" / "gemm_n128_k2048.jsonl";
  const auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 25u);
  size_t passed = 0, numerical = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string origin = file.string() + ":" + std::to_string(i + 1);
    const Json original = parse_json(lines[i], origin);
    Trace t = parse_trace(original, origin);
    EXPECT_EQ(t.definition, "gemm_n128_k2048");
    EXPECT_EQ(t.environment.hardware, "NVIDIA A800-SXM4-80GB");
    passed += t.status == Status::kPassed;
    numerical += t.status == Status::kIncorrectNumerical;
    if (t.status == Status::kPassed) {
      ASSERT_TRUE(t.performance.has_value());
      EXPECT_DOUBLE_EQ(t.performance->definition_reference_ms, original["evaluation"]["performance"]["reference_latency_ms"].get<double>());
      EXPECT_DOUBLE_EQ(t.performance->definition_reference_speedup, original["evaluation"]["performance"]["speedup_factor"].get<double>());
    }
    // Written back as it came: libs, correctness.extra (null), key order, no kda block added.
    EXPECT_EQ(to_json(t), original) << origin;
  }
  EXPECT_EQ(passed, 22u);
  EXPECT_EQ(numerical, 3u);
}

TEST(DatasetTraces, NonFiniteErrorsAndUnknownFieldsAreKept) {
  const auto lines = lines_of(kHandwritten);
  ASSERT_EQ(lines.size(), 4u);
  const Json original = parse_json(lines[2], "handwritten:3");
  Trace t = parse_trace(original, "handwritten:3");
  EXPECT_EQ(t.status, Status::kIncorrectNumerical);
  ASSERT_TRUE(t.correctness.has_value());
  EXPECT_TRUE(std::isnan(t.correctness->max_relative_error));
  EXPECT_TRUE(std::isinf(t.correctness->max_absolute_error));
  const Json back = to_json(t);
  EXPECT_EQ(back["evaluation"]["correctness"]["max_relative_error"], "NaN");
  EXPECT_EQ(back["evaluation"]["correctness"]["max_absolute_error"], "Infinity");
  EXPECT_EQ(back["hardware_id"], "h200-sxm-0");
  EXPECT_EQ(back["extra"]["note"], "written by hand for kda's tests");
  EXPECT_EQ(back["evaluation"]["environment"]["libs"]["triton"], "3.4.0");
  EXPECT_EQ(back, original);
  EXPECT_THROW(parse_trace(parse_json(R"({"definition": "d", "workload": {"uuid": "u", "axes": {}}, "solution": "s", )"
                                      R"("evaluation": {"status": "INCORRECT_NUMERICAL", "correctness": {"max_relative_error": "lots"}}})",
                                      "t"),
                           "t"),
               Error);
}

TEST(DatasetTraces, WhatKdaWritesHasFlashinferBenchsStatusesHardwareAndNumbers) {
  Trace t;
  t.definition = "gemm_n128_k2048";
  t.solution = "s";
  t.workload = parse_workload(parse_json(R"({"uuid": "u", "axes": {"M": 4}, "inputs": {}})", "w"), "w");
  t.environment.backend = "cuda";
  t.status = Status::kRejected;
  t.reason_code = "input_mutated";
  t.reason = "input A changed during the call";
  Json j = to_json(t);
  EXPECT_EQ(j["evaluation"]["status"], "RUNTIME_ERROR");
  EXPECT_EQ(j["kda"]["status"], "REJECTED");
  EXPECT_EQ(j["evaluation"]["environment"]["hardware"], "cuda");  // never empty
  EXPECT_FALSE(j["evaluation"]["timestamp"].get<std::string>().empty());
  EXPECT_EQ(parse_trace(j, "t").status, Status::kRejected);

  t.status = Status::kIncorrectNumerical;
  t.correctness = Correctness{.max_absolute_error = std::numeric_limits<double>::infinity(),
                              .max_relative_error = std::nan(""), .nan_count = 3};
  j = to_json(t);
  EXPECT_EQ(j["evaluation"]["correctness"]["max_relative_error"], "NaN");
  EXPECT_EQ(j["evaluation"]["correctness"]["max_absolute_error"], "Infinity");
  EXPECT_EQ(j["evaluation"]["correctness"]["extra"]["nan_count"], 3);
  EXPECT_NE(dump_json(j).find(R"("max_relative_error":"NaN")"), std::string::npos) << "not null: " << dump_json(j);

  // Without a baseline the reference is timed as the baseline: flashinfer-bench's figures are
  // the baseline's, and kda's are kept under kda.
  t.status = Status::kPassed;
  t.correctness = Correctness{};
  t.performance = Performance{.latency_ms = 2, .reference_latency_ms = 6, .speedup_factor = 3};
  t.provenance.baseline_hash = t.provenance.reference_hash = "abc";
  j = to_json(t);
  EXPECT_EQ(j["evaluation"]["performance"]["reference_latency_ms"], 6.0);
  EXPECT_EQ(j["evaluation"]["performance"]["speedup_factor"], 3.0);
  EXPECT_EQ(j["kda"]["performance"]["baseline_speedup_factor"], 3.0);
  // A separate baseline: the reference's own time, when the judge has it.
  t.provenance.baseline_hash = "base";
  t.performance->definition_reference_ms = 10;
  j = to_json(t);
  EXPECT_EQ(j["evaluation"]["performance"]["reference_latency_ms"], 10.0);
  EXPECT_EQ(j["evaluation"]["performance"]["speedup_factor"], 5.0);
  EXPECT_EQ(j["kda"]["performance"]["baseline_latency_ms"], 6.0);
  Trace back = parse_trace(j, "t");
  EXPECT_DOUBLE_EQ(back.performance->speedup_factor, 3);
  EXPECT_DOUBLE_EQ(back.performance->definition_reference_speedup, 5);
  EXPECT_EQ(to_json(back), j);
}

TEST_F(DatasetCopy, TracesGoWhereFlashinferBenchPutsThem) {
  TaskDir t = load("gemm_n128_k2048");
  EXPECT_EQ(dataset_trace_file(t, "gpt-5"), root() / "traces" / "gpt-5" / "gemm" / "gemm_n128_k2048.jsonl");
  EXPECT_EQ(dataset_trace_file(t, ""), root() / "traces" / "kda" / "gemm" / "gemm_n128_k2048.jsonl");
  EXPECT_EQ(dataset_trace_file(t, "../../etc"), root() / "traces" / ".._.._etc" / "gemm" / "gemm_n128_k2048.jsonl");
  EXPECT_EQ(dataset_trace_file(t, ".."), root() / "traces" / "_.." / "gemm" / "gemm_n128_k2048.jsonl");

  const fs::path file = dataset_trace_file(t, "me");
  write_file_atomic(file, lines_of(kHandwritten)[0]);  // a last line without its newline
  Trace tr = parse_trace(parse_json(lines_of(kHandwritten)[1], "h"), "h");
  append_trace_line(file, tr);
  append_trace_line(file, tr);
  const auto lines = lines_of(file);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(parse_json(lines[1], "l2"), to_json(tr));
}

TEST(DatasetWorkloads, IntegerAndBoolScalarsStayWhatTheyWere) {
  // The shape of the MoE workload lines at ecafa9c: an int offset and a float factor.
  Workload w = parse_workload(parse_json(R"({"definition": "moe", "solution": null, "workload": {"uuid": "u", "axes": {"seq_len": 7},
      "inputs": {"local_expert_offset": {"type": "scalar", "value": 192}, "routed_scaling_factor": {"type": "scalar", "value": 2.5},
                 "flag": {"type": "scalar", "value": true}}}, "evaluation": null})",
                                         "w"),
                              "w");
  const Json j = to_json(w)["workload"]["inputs"];
  EXPECT_TRUE(j["local_expert_offset"]["value"].is_number_integer()) << j.dump();
  EXPECT_EQ(j["local_expert_offset"]["value"], 192);
  EXPECT_TRUE(j["routed_scaling_factor"]["value"].is_number_float());
  EXPECT_EQ(j["flag"]["value"], true);
  EXPECT_NE(dump_json(j).find("\"value\":192}"), std::string::npos) << dump_json(j);
  w.inputs["local_expert_offset"].scalar = 64.5;  // changed since read: written as it is now
  EXPECT_EQ(to_json(w)["workload"]["inputs"]["local_expert_offset"]["value"], 64.5);
}

}  // namespace kda
