// Adversarial candidate: writes bytes that are not UTF-8 to stdout and stderr, then crashes, so
// that they reach the trace's log. kda must record them (as U+FFFD), not die on them (issue 14 §4).
#include <dlpack/dlpack.h>
#include <unistd.h>

#include <cstdlib>

extern "C" int kda_entry(const DLTensor*, int, DLTensor*, int, void*) {
  static const char bad[] = "not utf-8: \xff\xfe \xc3\x28 \xed\xa0\x80 \xf8\x88\x80\x80\x80\n";
  (void)!::write(1, bad, sizeof bad - 1);
  (void)!::write(2, bad, sizeof bad - 1);
  std::abort();
}
