// kda init DIR --example NAME: a task directory copied from a bundled example.
#include <iostream>

#include "cli/commands.h"
#include "cli/paths.h"
#include "core/error.h"
#include "task/task_dir.h"

namespace kda::cli {
namespace fs = std::filesystem;

namespace {

std::string available(const fs::path& root) {
  std::string names;
  for (auto& e : fs::directory_iterator(root))
    if (fs::exists(e.path() / "definition.json")) names += (names.empty() ? "" : ", ") + e.path().filename().string();
  return names;
}

void run_init(const std::string& dir, const std::string& example) {
  fs::path root = examples_dir();
  fs::path src = root / example;
  if (example.empty() || example.find('/') != std::string::npos || !fs::exists(src / "definition.json"))
    fail(ErrorKind::kNotFound, "no bundled example named '" + example + "' (available: " + available(root) + ")");
  fs::path dst = dir;
  if (fs::exists(dst) && !fs::is_empty(dst))
    fail(ErrorKind::kUsage, dst.string() + " already exists and is not empty; choose a new directory");
  fs::create_directories(dst);
  fs::copy(src, dst, fs::copy_options::recursive);
  std::error_code ec;
  fs::remove_all(dst / ".kda", ec);  // never carry a store along
  TaskDir task = load_task_dir(dst);  // proves the copy is a valid task
  std::cout << "created task '" << task.definition.name << "' in " << dst.string() << " (" << task.workloads.size()
            << " workloads, baselines:";
  for (auto& [lang, s] : task.baselines) std::cout << " " << lang;
  std::cout << ")\nnext: kda eval " << dst.string() << " " << (dst / "solutions").string() << "/<name>\n";
}

}  // namespace

void add_init_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("init", "Create a task directory from a bundled example");
  auto dir = std::make_shared<std::string>();
  auto example = std::make_shared<std::string>();
  cmd->add_option("DIR", *dir, "Directory to create")->required();
  cmd->add_option("--example", *example, "Bundled example (vector_add, softmax, softmax_bf16, rmsnorm, ...)")->required();
  cmd->callback([dir, example] { run_init(*dir, *example); });
}

}  // namespace kda::cli
