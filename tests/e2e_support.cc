#include "tests/e2e_support.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <spawn.h>

#include <algorithm>
#include <sstream>

#include "core/fs.h"

extern char** environ;

namespace kda::e2e {
namespace fs = std::filesystem;

pid_t spawn_kda(const std::vector<std::string>& args, const fs::path& cache, const fs::path& stderr_path) {
  std::vector<std::string> all = {KDA_BIN};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string cache_env = "KDA_CACHE_DIR=" + cache.string(), runner_env = std::string("KDA_RUNNER=") + KDA_RUNNER_BIN,
              examples_env = std::string("KDA_EXAMPLES_DIR=") + KDA_SOURCE_DIR + "/examples";
  std::vector<char*> envp = {cache_env.data(), runner_env.data(), examples_env.data()};
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  envp.push_back(nullptr);
  const std::string err = stderr_path.empty() ? "/dev/null" : stderr_path.string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  if (posix_spawn(&pid, KDA_BIN, &fa, nullptr, argv.data(), envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

ProcessResult kda(const std::vector<std::string>& args, const fs::path& cache, const std::map<std::string, std::string>& extra_env,
                  std::chrono::milliseconds limit) {
  ProcessSpec spec;
  spec.argv = {KDA_BIN};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env_set = {{"KDA_CACHE_DIR", cache.string()}, {"KDA_RUNNER", KDA_RUNNER_BIN},
                  {"KDA_EXAMPLES_DIR", std::string(KDA_SOURCE_DIR) + "/examples"}};
  for (const auto& [k, v] : extra_env) spec.env_set[k] = v;
  spec.timeout = limit;
  return run_process(spec);
}

fs::path init_task(const fs::path& parent, const std::string& example) {
  fs::path dir = parent / example;
  auto r = kda({"init", dir.string(), "--example", example}, parent / "cache");
  EXPECT_TRUE(r.ok()) << r.describe() << "\n" << r.err;
  return dir;
}

std::vector<Json> traces_of(const std::string& text) {
  std::vector<Json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(parse_json(line, "kda eval --json"));
  return out;
}

void write_vector_add_workloads(const fs::path& task, const std::vector<int64_t>& sizes) {
  std::string text;
  for (int64_t n : sizes) {
    Json w = {{"definition", "vector_add"},
              {"solution", nullptr},
              {"workload", {{"uuid", "redteam-n" + std::to_string(n)}, {"axes", {{"N", n}}},
                            {"inputs", {{"a", {{"type", "random"}}}, {"b", {{"type", "random"}}}}},
                            {"kda", {{"split", "public"}}}}},
              {"evaluation", nullptr}};
    text += w.dump() + "\n";
  }
  write_file_atomic(task / "workloads.jsonl", text);
}

void keep_workloads(const fs::path& task, const std::vector<std::string>& uuids) {
  std::istringstream in(read_file(task / "workloads.jsonl"));
  std::string kept;
  size_t found = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const std::string uuid = parse_json(line, "workloads.jsonl")["workload"]["uuid"];
    if (std::find(uuids.begin(), uuids.end(), uuid) == uuids.end()) continue;
    kept += line + "\n";
    ++found;
  }
  ASSERT_EQ(found, uuids.size()) << "a listed workload is not in " << (task / "workloads.jsonl");
  write_file_atomic(task / "workloads.jsonl", kept);
}

}  // namespace kda::e2e
