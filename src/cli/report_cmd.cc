// kda report PATH [--out FILE.html] [--json]: the self-contained HTML report of a task directory,
// a run directory or a dataset (docs/report.md). Read-only: it changes no store, journal or log.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "core/fs.h"
#include "core/utf8.h"
#include "report/html.h"
#include "report/model.h"

namespace kda::cli {

void add_report_command(CLI::App& root) {
  auto* cmd = root.add_subcommand("report", "Write a self-contained HTML report (plots, provenance) of a task, run or dataset");
  struct Opts {
    std::string path;   ///< task directory, run directory or dataset
    std::string out;    ///< FILE.html; default PATH/report.html (a run: RUN/report.html)
    bool json = false;  ///< print the model (kda_report 1) on stdout instead of writing HTML
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("PATH", o->path, "Task directory, run directory or dataset (a directory of task directories)")->required();
  cmd->add_option("--out", o->out, "Where to write the HTML (default PATH/report.html)");
  cmd->add_flag("--json", o->json, "Print the report's data model as JSON instead of writing HTML");
  cmd->callback([o] {
    const Json model = report::build_model(o->path);
    if (o->json) {
      std::cout << dump_json(model) << "\n";
      return;
    }
    const std::filesystem::path out = o->out.empty() ? std::filesystem::path(o->path) / "report.html" : std::filesystem::path(o->out);
    write_file_atomic(out, report::render_html(model));
    size_t traces = 0;
    for (const Json& t : model["tasks"]) traces += t["traces"].size();
    std::fprintf(stderr, "kda: report of %zu task(s), %zu trace(s)\n", model["tasks"].size(), traces);
    std::cout << std::filesystem::absolute(out).string() << "\n";
  });
}

}  // namespace kda::cli
