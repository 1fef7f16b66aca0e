// Adversarial candidate: a compile error whose diagnostics quote bytes that are not UTF-8 (the
// compiler echoes the offending line). kda must report COMPILE_ERROR, not die on the log.
#include <dlpack/dlpack.h>

extern "C" int kda_entry(const DLTensor*, int, DLTensor*, int, void*) {
  return undeclared_name("ÿþ Ã(");
}
