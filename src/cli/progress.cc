#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>

#include <cstdio>

namespace kda::cli {
namespace {

std::string clock_text(double s) {
  const long t = static_cast<long>(s + 0.5);
  char b[32];
  if (t >= 3600) std::snprintf(b, sizeof b, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else std::snprintf(b, sizeof b, "%ld:%02ld", t / 60, t % 60);
  return b;
}

}  // namespace

std::string progress_text(size_t done, size_t total, double elapsed_s, const std::string& note) {
  const int width = 24;
  const int filled = total ? static_cast<int>(width * std::min(done, total) / total) : 0;
  std::string s = "[" + std::string(filled, '#') + std::string(width - filled, '-') + "] " + std::to_string(done) + "/" +
                  std::to_string(total) + "  " + clock_text(elapsed_s) + " elapsed";
  if (done > 0 && done < total) s += ", ~" + clock_text(elapsed_s / done * (total - done)) + " left";
  if (!note.empty()) s += "  " + note.substr(0, 60);
  return s;
}

Progress::Progress() : tty_(::isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}

void Progress::update(size_t done, size_t total, const std::string& note, bool plain) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (!tty_) {
    if (plain) std::fprintf(stderr, "kda: [%zu/%zu] %s\n", done, total, note.c_str());
    return;
  }
  last_ = progress_text(done, total, elapsed, note);
  std::fprintf(stderr, "\r\033[K%s", last_.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::message(const std::string& line) {
  if (tty_ && drawn_) std::fprintf(stderr, "\r\033[K%s\n%s", line.c_str(), last_.c_str());
  else std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  if (tty_ && drawn_) std::fputc('\n', stderr);
  drawn_ = false;
}

}  // namespace kda::cli
