// Helpers for end-to-end tests: run the real kda binary, make task directories from examples.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/json_io.h"
#include "core/subprocess.h"

namespace kda::e2e {

/// Runs `kda ARGS...` with a private build cache; returns the process result.
ProcessResult kda(const std::vector<std::string>& args, const std::filesystem::path& cache);

/// `kda init DIR --example NAME`, asserting success.
std::filesystem::path init_task(const std::filesystem::path& parent, const std::string& example);

/// Parses `kda eval --json` output: one trace per non-empty line.
std::vector<Json> traces_of(const std::string& stdout_text);

/// Replaces a task's workloads with public vector_add workloads of the given sizes.
void write_vector_add_workloads(const std::filesystem::path& task, const std::vector<int64_t>& sizes);

}  // namespace kda::e2e
