// The report's model over a real store (kda::Store, SQLite), a real audit log and a real loop
// journal schema, and the page's embedding rules.
#include "report/model.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "audit/audit_log.h"
#include "core/error.h"
#include "core/fs.h"
#include "report/html.h"
#include "report/sources.h"
#include "store/store.h"

namespace fs = std::filesystem;
using kda::Json;

namespace {

fs::path make_task() {
  fs::path dir = kda::make_temp_dir("kda-report-test");
  fs::copy_file(fs::path(KDA_SOURCE_DIR) / "examples/vector_add/definition.json", dir / "definition.json");
  fs::copy_file(fs::path(KDA_SOURCE_DIR) / "examples/vector_add/workloads.jsonl", dir / "workloads.jsonl");
  return dir;
}

Json trace(const std::string& solution, const std::string& workload, int64_t n, double latency, double speedup,
           const std::string& status = "PASSED") {
  Json t = {{"definition", "vector_add"}, {"solution", solution},
            {"workload", {{"uuid", workload}, {"axes", {{"N", n}}}}},
            {"evaluation", {{"status", status}, {"environment", {{"hardware", "AMD EPYC"}}}}},
            {"kda", {{"reason_code", status == "PASSED" ? "" : "nan_in_output"},
                     {"provenance", {{"definition_hash", "d1"}, {"baseline_hash", "b1"}, {"seed_commitment", "c-" + workload}}}}}};
  if (status == "PASSED")
    t["evaluation"]["performance"] = {{"latency_ms", latency}, {"reference_latency_ms", latency * speedup}, {"speedup_factor", speedup}};
  return t;
}

Json task_of(const Json& model) { return model["tasks"][0]; }

}  // namespace

TEST(Report, TheLatestTraceOfEachSolutionAndWorkloadIsTheOneShownAndNumbersKeepTheirTraceIds) {
  fs::path dir = make_task();
  {
    kda::Store store(dir / ".kda");
    store.add_trace("ha", trace("a", "w1", 1024, 2.0, 1.5));
    store.add_trace("ha", trace("a", "w1", 1024, 1.0, 3.0));  // newer: replaces the first in the view
    store.add_trace("hb", trace("b", "w1", 1024, 0.5, 6.0));
    store.add_trace("hb", trace("b", "w2", 4096, 0, 0, "INCORRECT_NUMERICAL"));
  }
  Json m = kda::report::build_model(dir);
  EXPECT_EQ(m["kda_report"], 1);
  EXPECT_EQ(m["source"]["kind"], "task");
  Json t = task_of(m);
  ASSERT_EQ(t["traces"].size(), 4u);
  EXPECT_EQ(t["speedup"]["solutions"], Json::array({"a", "b"}));
  EXPECT_EQ(t["speedup"]["workloads"], Json::array({"w1", "w2"}));
  EXPECT_EQ(t["speedup"]["latest"][0][0], "s2");
  EXPECT_TRUE(t["speedup"]["latest"][0][1].is_null());
  EXPECT_EQ(t["speedup"]["latest"][1][1], "s4");
  EXPECT_DOUBLE_EQ(t["traces"][1]["speedup"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(t["traces"][1]["flops"].get<double>(), 1024);       // kda.flops "N"
  EXPECT_DOUBLE_EQ(t["traces"][1]["bytes"].get<double>(), 12 * 1024);  // kda.bytes "12*N"
  EXPECT_EQ(t["traces"][3]["reason_code"], "nan_in_output");
  EXPECT_TRUE(m["trace_bodies"].contains("s3"));
  EXPECT_EQ(m["trace_bodies"]["s3"]["solution"], "b");
  EXPECT_EQ(t["provenance"]["seed_commitment"].size(), 2u);
}

TEST(Report, BuildingTheModelChangesNothingOnDisk) {
  fs::path dir = make_task();
  {
    kda::Store store(dir / ".kda");
    store.add_trace("ha", trace("a", "w1", 1024, 1.0, 2.0));
    kda::AuditLog(dir / ".kda" / "audit.jsonl", &store).append("store_created", {{"store_id", "x"}});
  }
  const std::string before = kda::report::fingerprint(dir);
  const std::string db = kda::read_file(dir / ".kda" / "kda.db");
  Json m = kda::report::build_model(dir);
  EXPECT_EQ(kda::report::fingerprint(dir), before);
  EXPECT_EQ(kda::read_file(dir / ".kda" / "kda.db"), db);
  EXPECT_TRUE(task_of(m)["provenance"]["audit"]["ok"].get<bool>());
  EXPECT_TRUE(task_of(m)["provenance"]["audit"]["anchored"].get<bool>());
  // A task without a store gets none made for it.
  fs::path bare = make_task();
  kda::report::build_model(bare);
  EXPECT_FALSE(fs::exists(bare / ".kda"));
}

TEST(Report, ATamperedAuditLogIsShownAsFailingVerification) {
  fs::path dir = make_task();
  {
    kda::Store store(dir / ".kda");
    kda::AuditLog log(dir / ".kda" / "audit.jsonl", &store);
    log.append("store_created", {{"store_id", "x"}});
    log.append("pin", {{"name", "definition"}, {"hash", "aaaa"}});
  }
  std::string text = kda::read_file(dir / ".kda" / "audit.jsonl");
  text.replace(text.find("aaaa"), 4, "bbbb");
  kda::write_file_atomic(dir / ".kda" / "audit.jsonl", text);
  Json a = task_of(kda::report::build_model(dir))["provenance"]["audit"];
  EXPECT_FALSE(a["ok"].get<bool>());
  EXPECT_EQ(a["bad_line"], 2);
}

TEST(Report, ARunsRoundsComeFromItsJournalWithTheirVerdictsAndTimes) {
  fs::path task = make_task();
  fs::path run = task / ".kda" / "runs" / "r1";
  fs::create_directories(run);
  kda::write_file_atomic(run / "run.json", Json{{"schema_version", 1}, {"task_dir", task.string()}, {"backend", "cpu"}}.dump());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((run / "journal.sqlite").c_str(), &db), SQLITE_OK);
  // The journal's schema as src/loop/journal.cc makes it.
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT NOT NULL); INSERT INTO meta VALUES('schema_version','1');"
                         "CREATE TABLE steps(seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE NOT NULL, kind TEXT NOT NULL,"
                         " data TEXT NOT NULL, at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));"
                         "INSERT INTO steps(key,kind,data) VALUES('T1/1/write','write','{\"commit\":\"c1\",\"parent\":\"c0\",\"params\":{\"B\":1}}');"
                         "INSERT INTO steps(key,kind,data) VALUES('T1/1/check','check','{\"traces\":[{\"workload\":\"w1\",\"speedup\":1.2}]}');"
                         "INSERT INTO steps(key,kind,data) VALUES('T1/1/decide','decide','{\"pass\":false,\"reason\":\"not met\",\"geomean_speedup_hidden\":1.2}');"
                         "INSERT INTO steps(key,kind,data) VALUES('T1/2/write','write','{\"commit\":\"c2\",\"parent\":\"c1\"}');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Json m = kda::report::build_model(run);
  EXPECT_EQ(m["source"]["kind"], "run");
  Json rounds = task_of(m)["runs"][0]["rounds"];
  ASSERT_EQ(rounds.size(), 2u);
  EXPECT_EQ(rounds[0]["verdict"], "REVISE");
  EXPECT_EQ(rounds[0]["reason"], "not met");
  EXPECT_EQ(rounds[0]["traces"][0]["id"], "rr1/T1/1/0");
  EXPECT_TRUE(m["trace_bodies"].contains("rr1/T1/1/0"));
  EXPECT_EQ(rounds[1]["verdict"], "pending");
  EXPECT_FALSE(rounds[1]["journaled_at"].get<std::string>().empty());
}

TEST(Report, APathThatIsNeitherTaskRunNorDatasetIsAnInputErrorNamingWhatItLacks) {
  fs::path dir = kda::make_temp_dir("kda-report-empty");
  try {
    kda::report::build_model(dir);
    FAIL() << "no error";
  } catch (const kda::Error& e) {
    EXPECT_EQ(e.kind(), kda::ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("definition.json"), std::string::npos);
  }
}

TEST(ReportHtml, ThePageIsSelfContainedAndDataCannotCloseItsScriptBlock) {
  Json model = {{"kda_report", 1}, {"source", {{"kind", "task"}, {"path", "/t"}}}, {"tasks", Json::array()},
                {"trace_bodies", {{"s1", {{"log", "</script><script>alert(1)</script>"}}}}}};
  const std::string html = kda::report::render_html(model);
  EXPECT_EQ(html.find("alert(1)</script>"), std::string::npos);
  EXPECT_NE(html.find("\\u003c/script>\\u003cscript>alert(1)"), std::string::npos);
  EXPECT_NE(html.find("Chart.js"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("sourceMappingURL"), std::string::npos);
  EXPECT_EQ(kda::parse_json(kda::report::script_json(model), "t"), model);
}
