// The record cannot be trimmed quietly (issue 14 §5), through the real kda binary on real SQLite
// and real files: a trimmed, emptied or torn audit log fails `kda audit verify` (exit 5) with
// the intact prefix and `kda audit repair`; a deleted store is not silently re-made; the
// definition (tolerances) and the workloads are pinned.
#include <gtest/gtest.h>

#include <sstream>

#include "core/fs.h"
#include "tests/e2e_support.h"

namespace kda::e2e {
namespace fs = std::filesystem;

namespace {

class StoreRecord : public ::testing::Test {
 protected:
  TempDir dir{"kda-store-record-test"};
  fs::path cache() { return dir.path() / "cache"; }
  fs::path task;
  fs::path log() { return task / ".kda" / "audit.jsonl"; }

  void SetUp() override {
    task = init_task(dir.path(), "vector_add");
    write_vector_add_workloads(task, {100, 1000});
  }
  ProcessResult eval(const std::string& solution, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"eval", task.string(), (task / solution).string(), "--budget", "0.1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return kda(args, cache());
  }
  std::vector<std::string> lines() {
    std::istringstream in(read_file(log()));
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }
  void write_lines(const std::vector<std::string>& ls) {
    std::string s;
    for (auto& l : ls) s += l + "\n";
    write_file_atomic(log(), s);
  }
  // A vector_add that is wrong by 1.0 in every element: INCORRECT_NUMERICAL at any honest tolerance.
  void write_wrong_solution() {
    fs::path d = task / "solutions" / "wrong";
    fs::create_directories(d);
    write_file_atomic(d / "solution.json", R"({"name": "wrong", "definition": "vector_add",
      "spec": {"language": "cpp", "entry_point": "kernel.cc::kda_entry"}, "sources": [{"path": "kernel.cc"}]})");
    write_file_atomic(d / "kernel.cc", R"(#include <dlpack/dlpack.h>
#include <cstdint>
extern "C" int kda_entry(const DLTensor* in, int, DLTensor* out, int, void*) {
  const float* a = static_cast<const float*>(in[0].data);
  const float* b = static_cast<const float*>(in[1].data);
  float* c = static_cast<float*>(out[0].data);
  for (int64_t i = 0; i < in[0].shape[0]; ++i) c[i] = a[i] + b[i] + 1.0f;
  return 0;
})");
  }
};

bool mentions(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

TEST_F(StoreRecord, TrimmingTheLogAtAnyPointFailsVerifyAndRepairKeepsTheIntactPart) {
  ASSERT_EQ(eval("baseline/cpp").exit_code, 0);
  auto full = lines();
  ASSERT_GT(full.size(), 6u);
  ASSERT_EQ(kda({"audit", "verify", task.string()}, cache()).exit_code, 0);
  for (size_t keep : {full.size() - 1, size_t{4}, size_t{0}}) {
    auto cut = full;
    cut.resize(keep);
    write_lines(cut);
    auto r = kda({"audit", "verify", task.string()}, cache());
    EXPECT_EQ(r.exit_code, 5) << "kept " << keep << ": " << r.out;
    EXPECT_TRUE(mentions(r.err, keep ? "removed" : "the log is empty")) << r.err;
    EXPECT_TRUE(mentions(r.err, "records 1.." + std::to_string(keep) + " are intact")) << r.err;
    EXPECT_TRUE(mentions(r.err, "kda audit repair")) << r.err;
    EXPECT_EQ(eval("baseline/cpp").exit_code, 5) << "an evaluation must not extend a trimmed log";
  }
  write_lines(std::vector<std::string>(full.begin(), full.begin() + 4));
  auto rep = kda({"audit", "repair", task.string()}, cache());
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  auto r = kda({"audit", "verify", task.string(), "--json"}, cache());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_json(r.out, "verify")["records"], 5);
  EXPECT_EQ(parse_json(lines().back(), "last")["event"], "audit_repaired");
  EXPECT_EQ(eval("baseline/cpp").exit_code, 0);
}

TEST_F(StoreRecord, ATornLastLineStopsEvaluationsUntilRepaired) {
  ASSERT_EQ(eval("baseline/cpp").exit_code, 0);
  std::string text = read_file(log());
  write_file_atomic(log(), text + R"({"schema_version":1,"seq":)");
  auto r = kda({"audit", "verify", task.string()}, cache());
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_TRUE(mentions(r.err, "incomplete")) << r.err;
  EXPECT_EQ(eval("baseline/cpp").exit_code, 5);
  ASSERT_EQ(kda({"audit", "repair", task.string()}, cache()).exit_code, 0);
  EXPECT_EQ(kda({"audit", "verify", task.string()}, cache()).exit_code, 0);
  EXPECT_EQ(eval("baseline/cpp").exit_code, 0);
}

TEST_F(StoreRecord, ADeletedStoreIsNotQuietlyReplaced) {
  ASSERT_EQ(eval("baseline/cpp").exit_code, 0);
  std::string old_id = parse_json(lines().front(), "first")["data"]["store_id"];
  fs::remove_all(task / ".kda");
  // What the attack needed: a new store pins whatever baseline is there now.
  std::string k = read_file(task / "baseline" / "cpp" / "kernel.cc");
  write_file_atomic(task / "baseline" / "cpp" / "kernel.cc", k + "// slower now\n");
  auto r = eval("solutions/cpp_omp");
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_TRUE(mentions(r.err, "is gone")) << r.err;
  EXPECT_TRUE(mentions(r.err, "--new-store")) << r.err;
  EXPECT_FALSE(fs::exists(task / ".kda" / "kda.db"));
  EXPECT_EQ(kda({"audit", "verify", task.string()}, cache()).exit_code, 5);

  r = eval("solutions/cpp_omp", {"--new-store"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(mentions(r.err, "creating a new store")) << r.err;
  EXPECT_TRUE(mentions(r.err, old_id)) << r.err;
  Json first = parse_json(lines().front(), "first");
  EXPECT_EQ(first["event"], "store_created");
  EXPECT_EQ(first["data"]["previous_store"], old_id);
  auto v = kda({"audit", "verify", task.string()}, cache());
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_TRUE(mentions(v.out, "--new-store")) << v.out;
}

TEST_F(StoreRecord, ADeletedDatabaseBesideItsLogIsNamed) {
  ASSERT_EQ(eval("baseline/cpp").exit_code, 0);
  fs::remove(task / ".kda" / "kda.db");
  auto r = eval("baseline/cpp");
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_TRUE(mentions(r.err, "kda.db is gone but its audit log")) << r.err;
}

TEST_F(StoreRecord, ATaskWithoutAStoreGetsOneLoudlyAndInitStoreOnlyIsExplicit) {
  fs::remove_all(task / ".kda");
  fs::path moved = dir.path() / "moved";
  fs::rename(task, moved);  // a task this machine never made a store for
  task = moved;
  auto r = eval("baseline/cpp");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(mentions(r.err, "creating a new store")) << r.err;
  EXPECT_EQ(kda({"init", task.string(), "--store-only"}, cache()).exit_code, 2);
  fs::remove_all(task / ".kda");
  EXPECT_EQ(eval("baseline/cpp").exit_code, 5);
  auto s = kda({"init", task.string(), "--store-only"}, cache());
  EXPECT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(parse_json(lines().front(), "first")["data"]["created_by"], "kda init --store-only");
  EXPECT_EQ(eval("baseline/cpp").exit_code, 0);
}

TEST_F(StoreRecord, ALoosenedToleranceOrChangedWorkloadsStopTheEvaluation) {
  write_wrong_solution();
  auto r = eval("solutions/wrong", {"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const Json& t : traces_of(r.out)) EXPECT_EQ(t["evaluation"]["status"], "INCORRECT_NUMERICAL");
  std::string def = read_file(task / "definition.json");
  auto p = def.find("\"atol\": 1e-6");
  ASSERT_NE(p, std::string::npos) << def;
  std::string loose = def;
  loose.replace(p, 12, "\"atol\": 1e9");
  write_file_atomic(task / "definition.json", loose);
  r = eval("solutions/wrong", {"--json"});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_TRUE(traces_of(r.out).empty()) << r.out;
  EXPECT_TRUE(mentions(r.err, "definition.json changed since it was pinned")) << r.err;
  EXPECT_TRUE(mentions(r.err, "kda store pin " + task.string() + " definition")) << r.err;

  write_file_atomic(task / "definition.json", def);
  write_vector_add_workloads(task, {100, 1000, 7});
  r = eval("solutions/wrong");
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_TRUE(mentions(r.err, "workloads.jsonl")) << r.err;
  ASSERT_EQ(kda({"store", "pin", task.string(), "workloads"}, cache()).exit_code, 0);
  EXPECT_EQ(eval("baseline/cpp").exit_code, 0);
}

}  // namespace kda::e2e
