// kda-runner: the untrusted side of the evaluator (DESIGN §4) for native code: a shared library
// (candidate, baseline or reference) exporting kda_entry. runner_main.cc holds the whole life of
// a runner, which the Python runner (kda_pyrunner.py) shares.
#include "tools/runner/runner_main.h"

int main(int argc, char** argv) { return kda_runner_main(argc, argv, nullptr); }
