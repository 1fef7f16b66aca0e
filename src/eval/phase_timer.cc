#include "eval/phase_timer.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>

#include <sys/resource.h>

namespace kda {
namespace {

std::atomic<bool> g_on{false};
std::mutex g_mu;
std::vector<PhaseRow>& table() {
  static std::vector<PhaseRow> rows;  // a handful of phases: a linear search is cheapest
  return rows;
}
thread_local PhaseScope* t_open = nullptr;

// This thread's page faults so far: on a VM a fresh page can cost more than copying it, and the
// count says which phase allocates them.
uint64_t faults_now() {
  rusage u{};
  ::getrusage(RUSAGE_THREAD, &u);
  return static_cast<uint64_t>(u.ru_minflt) + static_cast<uint64_t>(u.ru_majflt);
}

}  // namespace

void enable_phase_timers(bool on) { g_on.store(on, std::memory_order_relaxed); }
bool phase_timers_enabled() { return g_on.load(std::memory_order_relaxed); }

void add_phase_time(const std::string& phase, double seconds, uint64_t faults) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto& rows = table();
  auto it = std::find_if(rows.begin(), rows.end(), [&](const PhaseRow& r) { return r.phase == phase; });
  if (it == rows.end()) it = rows.insert(rows.end(), PhaseRow{phase, 0, 0});
  it->seconds += seconds;
  it->faults += faults;
  ++it->count;
}

void claim_phase_time(const std::string& phase, double seconds) {
  if (!phase_timers_enabled()) return;
  if (t_open) t_open->children_ += seconds;
  add_phase_time(phase, seconds, 0);
}

std::vector<PhaseRow> phase_rows() {
  std::lock_guard<std::mutex> lock(g_mu);
  return table();
}

void reset_phase_timers() {
  std::lock_guard<std::mutex> lock(g_mu);
  table().clear();
}

std::string format_phase_table(const std::vector<PhaseRow>& rows, double wall_seconds) {
  size_t width = std::string("unaccounted").size();
  for (const PhaseRow& r : rows) width = std::max(width, r.phase.size());
  std::string out;
  char line[256];
  auto row = [&](const std::string& name, double s, const std::string& count, const std::string& faults) {
    const double share = wall_seconds > 0 ? 100.0 * s / wall_seconds : 0;
    std::snprintf(line, sizeof line, "%-*s  %10.3f  %8s  %6.1f %%  %10s\n", static_cast<int>(width), name.c_str(), s,
                  count.c_str(), share, faults.c_str());
    out += line;
  };
  std::snprintf(line, sizeof line, "%-*s  %10s  %8s  %8s  %10s\n", static_cast<int>(width), "phase", "seconds", "count",
                "share", "faults");
  out += line;
  double sum = 0;
  for (const PhaseRow& r : rows) {
    row(r.phase, r.seconds, std::to_string(r.count), std::to_string(r.faults));
    sum += r.seconds;
  }
  // Phases timed on parallel threads (tune's builds) can add up to more than the wall time.
  row("unaccounted", std::max(0.0, wall_seconds - sum), "", "");
  row("wall", wall_seconds, "", "");
  return out;
}

PhaseReport::PhaseReport(bool on) : on_(on), start_(std::chrono::steady_clock::now()) {
  if (!on_) return;
  reset_phase_timers();
  enable_phase_timers(true);
}

PhaseReport::~PhaseReport() {
  if (!on_) return;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  enable_phase_timers(false);
  std::fprintf(stderr, "kda: where the time went (--profile-phases; seconds are exclusive of nested phases):\n%s",
               format_phase_table(phase_rows(), wall).c_str());
}

PhaseScope::PhaseScope(const char* phase) : phase_(phase) {
  on_ = phase_timers_enabled();
  if (!on_) return;
  parent_ = t_open;
  t_open = this;
  faults_start_ = faults_now();
  start_ = std::chrono::steady_clock::now();
}

PhaseScope::~PhaseScope() {
  if (!on_) return;
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const uint64_t faults = faults_now() - faults_start_;
  t_open = parent_;
  if (parent_) parent_->children_ += total, parent_->children_faults_ += faults;
  add_phase_time(phase_, std::max(0.0, total - children_), faults - std::min(faults, children_faults_));
}

}  // namespace kda
