// kda init DIR --example NAME: a task directory copied from a bundled example, with a new store.
// kda init --store-only TASK_DIR: a new store for an existing task (src/audit/task_store.h).
#include <iostream>

#include "audit/task_store.h"
#include "cli/commands.h"
#include "cli/paths.h"
#include "store/store.h"
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
  prepare_task_store(dst, {.command = "kda init --example " + example, .allow_new = true, .warn = {}});
  std::cout << "created task '" << task.definition.name << "' in " << dst.string() << " (" << task.workloads.size()
            << " workloads, baselines:";
  for (auto& [lang, s] : task.baselines) std::cout << " " << lang;
  std::cout << ")\nnext: kda eval " << dst.string() << " " << (dst / "solutions").string() << "/<name>\n";
}

// The explicit way to start a store: for a task made by hand, or after its store was lost.
void run_store_only(const std::string& dir) {
  TaskDir task = load_task_dir(dir);
  if (store_exists(task.store_dir()))
    fail(ErrorKind::kUsage, task.store_dir().string() + " already holds a store; move it away first if you mean to replace it");
  prepare_task_store(task.root, {.command = "kda init --store-only", .allow_new = true,
                                 .warn = [](const std::string& m) { std::cerr << "kda: " << m << "\n"; }});
  std::cout << "created a new store in " << task.store_dir().string() << "\n";
}

}  // namespace

void add_init_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("init", "Create a task directory from a bundled example, or a new store for a task");
  auto dir = std::make_shared<std::string>();
  auto example = std::make_shared<std::string>();
  auto store_only = std::make_shared<bool>(false);
  cmd->add_option("DIR", *dir, "Directory to create (with --store-only: the existing task directory)")->required();
  cmd->add_option("--example", *example, "Bundled example (vector_add, softmax, softmax_bf16, rmsnorm, ...)");
  cmd->add_flag("--store-only", *store_only, "Create only a new store (.kda) for the existing task DIR");
  cmd->callback([dir, example, store_only] {
    if (*store_only && !example->empty()) fail(ErrorKind::kUsage, "--store-only and --example exclude each other");
    if (*store_only) return run_store_only(*dir);
    if (example->empty()) fail(ErrorKind::kUsage, "kda init DIR needs --example NAME (or --store-only for an existing task)");
    run_init(*dir, *example);
  });
}

}  // namespace kda::cli
