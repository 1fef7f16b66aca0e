// Helpers for end-to-end tests: run the real kda binary, make task directories from examples.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/json_io.h"
#include "core/subprocess.h"

namespace kda::e2e {

/// Runs `kda ARGS...` with a private build cache; returns the process result.
/// extra_env is added to (or overrides) the environment, e.g. a PATH that finds another compiler.
/// `limit` bounds the command (a busy machine's slowest build, a torch extension, needs more).
ProcessResult kda(const std::vector<std::string>& args, const std::filesystem::path& cache,
                  const std::map<std::string, std::string>& extra_env = {},
                  std::chrono::milliseconds limit = std::chrono::minutes(5));

/// Starts `kda ARGS...` without waiting (private build cache, stdout to /dev/null, stderr to
/// `stderr_path` or /dev/null), for tests that kill it mid-flight. Returns its pid (-1 on failure).
pid_t spawn_kda(const std::vector<std::string>& args, const std::filesystem::path& cache,
                const std::filesystem::path& stderr_path = {});

/// `kda init DIR --example NAME`, asserting success.
std::filesystem::path init_task(const std::filesystem::path& parent, const std::string& example);

/// Parses `kda eval --json` output: one trace per non-empty line.
std::vector<Json> traces_of(const std::string& stdout_text);

/// Replaces a task's workloads with public vector_add workloads of the given sizes.
void write_vector_add_workloads(const std::filesystem::path& task, const std::vector<int64_t>& sizes);

/// Keeps only the task's workloads whose uuid is listed (in the file's order); fails the test if
/// one is missing.
void keep_workloads(const std::filesystem::path& task, const std::vector<std::string>& uuids);

}  // namespace kda::e2e
