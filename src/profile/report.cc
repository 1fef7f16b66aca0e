#include "profile/report.h"

#include <algorithm>
#include <functional>

#include "core/error.h"
#include "core/fs.h"
#include "profile/csv.h"
#include "profile/details_page.h"
#include "profile/diagnose.h"
#include "profile/metric_table.h"
#include "profile/ncu_runner.h"
#include "profile/raw_page.h"
#include "profile/rocprof.h"
#include "profile/source_page.h"
#include "profile/timeline.h"

namespace kda::profile {
namespace fs = std::filesystem;
namespace {

enum class Page { kDetails, kRaw, kSource, kPtx, kRocprof, kRocSysinfo, kRocRoofline, kUnknown };

// Every page is recognised by its column names, wherever they stand in the header: ncu's column
// order changes between versions and with the metrics exported.
Page classify(const CsvTable& t) {
  if (t.rows.empty()) return Page::kUnknown;
  const auto& h = t.rows[0].fields;
  auto has = [&](const char* n) { return std::find(h.begin(), h.end(), n) != h.end(); };
  if (has("Section Name") && has("Metric Name")) return Page::kDetails;
  if (has("ID") && has("Kernel Name")) return Page::kRaw;
  // A source page: a "File Path" / "Function Name" preamble, or straight to its header.
  if (h.size() == 2 && (h[0] == "File Path" || h[0] == "Function Name")) return Page::kSource;
  if (has("Source") && (has("Address") || has("# Address"))) return Page::kSource;
  if (has("Source") && has("Line No")) {
    // The PTX page has only the line and its text; a CUDA page has metric columns beside them.
    return h.size() == 2 ? Page::kPtx : Page::kSource;
  }
  if (has("Dispatch_ID") || has("Dispatch_Id") || has("Kernel_Name")) return Page::kRocprof;
  if (has("workload_name") && has("gpu_model")) return Page::kRocSysinfo;
  if (has("HBMBw") && has("FP32Flops")) return Page::kRocRoofline;
  return Page::kUnknown;
}

struct Inputs {
  std::vector<CsvTable> details, raw, instances, source, ptx, rocprof, sysinfo, roofline;
};

void add_table(Inputs& in, const fs::path& p, CsvTable t) {
  switch (classify(t)) {
    case Page::kDetails: in.details.push_back(std::move(t)); break;
    case Page::kRaw: {
      bool inst = p.filename().string().find("instances") != std::string::npos;
      if (!inst && t.rows.size() > 2)
        for (const auto& f : t.rows.back().fields)
          if (f.find('(') != std::string::npos && f.find(';') != std::string::npos) { inst = true; break; }
      (inst ? in.instances : in.raw).push_back(std::move(t));
      break;
    }
    case Page::kSource: in.source.push_back(std::move(t)); break;
    case Page::kPtx: in.ptx.push_back(std::move(t)); break;
    case Page::kRocprof: in.rocprof.push_back(std::move(t)); break;
    case Page::kRocSysinfo: in.sysinfo.push_back(std::move(t)); break;
    case Page::kRocRoofline: in.roofline.push_back(std::move(t)); break;
    case Page::kUnknown:
      fail(ErrorKind::kInput, p.string() + ":1: not a recognized Nsight Compute or rocprof CSV page "
                              "(expected the details, raw or source page)");
  }
}

// Reads one page. With `tolerant` (several pages make the report), a page that cannot be read
// becomes a warning and the others still count: Nsight Compute exports a source page for every
// kernel, and one it writes in a form kda does not know must not hide the findings of the rest.
void add_file(Inputs& in, const fs::path& p, bool tolerant, std::vector<std::string>& warnings) {
  try {
    add_table(in, p, read_csv_file(p.string()));
  } catch (const Error& e) {
    if (!tolerant || e.kind() != ErrorKind::kInput) throw;
    warnings.push_back(e.what());
  }
}

// The names a directory is read for (explicit files are classified by their header instead).
bool canonical_name(const fs::path& f) {
  const std::string n = f.filename().string();
  if (f.extension() != ".csv") return false;
  auto ends_with = [&](const std::string& s) { return n.size() >= s.size() && n.compare(n.size() - s.size(), s.size(), s) == 0; };
  return n == "details.csv" || n == "raw.csv" || n == "raw_instances.csv" || n.rfind("source_", 0) == 0 ||
         // rocprof-compute: the counters, their level passes, the device and its measured roofs
         n == "pmc_perf.csv" || n == "sysinfo.csv" || n == "roofline.csv" ||
         (n.rfind("SQ_", 0) == 0 && n.find("LEVEL") != std::string::npos) ||
         // rocprofv3: <pid>_counter_collection.csv
         ends_with("counter_collection.csv");
}

bool same_function(const std::string& a, const std::string& b) {
  Kernel x, y;
  x.name = a;
  y.name = b;
  return a == b || x.short_name() == y.short_name();
}

}  // namespace

void analyze(Kernel& k) {
  resolve(k);
  diagnose(k);
}

Report load_report(const std::vector<fs::path>& inputs, Runner* runner) {
  Report rep;
  rep.tool = "ncu";
  Inputs in;
  // One explicit file is the whole report: refusing it says what is wrong with it. Anything made
  // of several pages (a directory, an exported .ncu-rep, several files) reads what it can.
  const bool tolerant = inputs.size() > 1 || std::any_of(inputs.begin(), inputs.end(), [](const fs::path& p) {
                          return fs::is_directory(p) || p.extension() == ".ncu-rep";
                        });
  auto& warn = rep.warnings;
  // A page reader's failure on a page that was classified: a warning too, when tolerant.
  auto tolerate = [&](const std::function<void()>& read) {
    try {
      read();
    } catch (const Error& e) {
      if (!tolerant || e.kind() != ErrorKind::kInput) throw;
      warn.push_back(e.what());
    }
  };
  std::vector<fs::path> temp_dirs;
  for (const auto& p : inputs) {
    rep.origin += (rep.origin.empty() ? "" : " ") + p.filename().string();
    if (!fs::exists(p)) fail(ErrorKind::kNotFound, p.string() + ": no such file or directory");
    if (p.extension() == ".ncu-rep") {
      const char* env = std::getenv("KDA_NCU");
      auto dir = make_temp_dir("kda-profile-");
      try {
        export_pages(p, dir, env ? env : "ncu", runner ? *runner : system_runner());
      } catch (...) {
        fs::remove_all(dir);
        throw;
      }
      for (const char* n : {"details.csv", "raw.csv", "raw_instances.csv"}) if (fs::exists(dir / n)) add_file(in, dir / n, tolerant, warn);
      for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().rfind("source_", 0) == 0) add_file(in, e.path(), tolerant, warn);
      temp_dirs.push_back(dir);
      continue;
    }
    if (fs::is_directory(p)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(p)) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      bool any = false;
      for (const auto& f : files) {
        if (canonical_name(f)) {
          add_file(in, f, tolerant, warn);
          any = true;
        }
      }
      if (!any)
        fail(ErrorKind::kNotFound, p.string() + ": no details.csv, raw.csv, source_*.csv, "
                                   "pmc_perf.csv or *counter_collection.csv here (export them with `kda profile "
                                   "run` or ncu --csv)");
      continue;
    }
    add_file(in, p, tolerant, warn);
  }
  for (const auto& d : temp_dirs) fs::remove_all(d);
  if (in.details.empty() && in.raw.empty() && in.rocprof.empty() && !warn.empty())
    fail(ErrorKind::kInput, "no page of the report could be read; the first: " + warn.front());

  if (!in.rocprof.empty()) {
    std::vector<const CsvTable*> tables;
    for (const auto& t : in.rocprof) tables.push_back(&t);
    RocprofDevice dev = read_rocprof_device(in.sysinfo.empty() ? nullptr : &in.sysinfo.front(),
                                            in.roofline.empty() ? nullptr : &in.roofline.front());
    rep.tool = "rocprof";
    for (auto& k : read_rocprof(tables, dev)) {
      analyze(k);
      rep.kernels.push_back(std::move(k));
    }
  }
  std::vector<Kernel> kernels;
  for (const auto& t : in.raw)
    tolerate([&] {
      auto page = read_raw_page(t);
      for (auto& k : page.kernels) kernels.push_back(std::move(k));
    });
  for (const auto& t : in.details) tolerate([&] { merge_details(kernels, read_details_page(t)); });
  for (const auto& t : in.instances) tolerate([&] {
    auto page = read_raw_page(t);
    for (size_t i = 0; i < page.kernels.size(); ++i) {
      for (auto& k : kernels) {
        if (k.id != page.kernels[i].id || k.name != page.kernels[i].name) continue;
        Strip s = render_strip(page.instances[i]);
        k.timeline = s.text;
        k.timeline_metric = s.metric;
      }
    }
  });
  std::vector<PtxPage> ptx;
  for (const auto& t : in.ptx) tolerate([&] { ptx.push_back(read_ptx_page(t)); });
  for (const auto& t : in.source) {
    SourcePage sp;
    bool read = false;
    tolerate([&] {
      sp = read_source_page(t);
      read = true;
    });
    if (!read) continue;
    for (auto& k : kernels) {
      if (!sp.function.empty() && !same_function(sp.function, k.name)) continue;
      if (!k.hotspots.empty()) continue;
      k.hotspots = sp.hotspots;
      for (const auto& p : ptx) link_ptx(k.hotspots, p, k.short_name());
      break;
    }
  }
  for (auto& k : kernels) {
    analyze(k);
    rep.kernels.push_back(std::move(k));
  }
  return rep;
}

void drop_kernels(Report& r, const std::vector<std::string>& names) {
  if (names.empty()) return;
  std::vector<Kernel> keep;
  for (auto& k : r.kernels) {
    if (std::find(names.begin(), names.end(), k.short_name()) == names.end()) {
      keep.push_back(std::move(k));
      continue;
    }
    r.excluded.push_back(k.short_name() + " (id " + k.id + ")");
  }
  r.kernels = std::move(keep);
}

}  // namespace kda::profile
