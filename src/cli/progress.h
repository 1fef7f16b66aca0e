// Progress of long work on stderr (issue 20): on a terminal one line redrawn in place — a bar,
// done/total, elapsed time and an estimate of what is left; otherwise plain lines, one per step,
// so that logs and pipes get whole lines and no escape codes.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace kda::cli {

/// "[#######-------] 12/40  0:35 elapsed, ~1:22 left  note" (the estimate once something is done).
std::string progress_text(size_t done, size_t total, double elapsed_s, const std::string& note);

class Progress {
 public:
  Progress();
  /// Redraws the bar on a terminal; off a terminal prints "kda: [done/total] note" when `plain`.
  void update(size_t done, size_t total, const std::string& note, bool plain = true);
  /// A message of its own: on a terminal the bar is cleared, the message printed, the bar redrawn.
  void message(const std::string& line);
  /// Ends the bar's line (on a terminal); harmless when nothing was drawn.
  void finish();
  bool tty() const { return tty_; }

 private:
  bool tty_;
  bool drawn_ = false;
  std::string last_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace kda::cli
