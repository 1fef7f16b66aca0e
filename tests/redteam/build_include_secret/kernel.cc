// Attack: reads a file outside the solution at compile time (as it would the task's hidden
// workloads) so that the compiler's diagnostics echo it into the trace. Expected: COMPILE_ERROR /
// compile_error, and none of the file's bytes in any output (the compiler is confined).
#include "/tmp/kda-redteam-task-secret.txt"
#include <dlpack/dlpack.h>

extern "C" int kda_entry(const DLTensor*, int, DLTensor*, int, void*) { return 0; }
