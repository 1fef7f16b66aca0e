// The runner's life, shared by the two kinds of runner (docs/evaluator.md "Processes"):
//   kda-runner        (main.cc): loads a shared library that exports kda_entry;
//   kda_pyrunner.py   (Python): loads libkda-pyrunner.so with ctypes and supplies the entry
//                     itself, a Python function that calls the candidate through torch.
// Both parse the same arguments, join the judge's limit group, make the device, confine
// themselves, load the code and then answer the judge's requests on fd 3/4 (fd 5: the shared
// region). What differs is only how the code is loaded, which the hooks say.
#pragma once

#include <dlpack/dlpack.h>

extern "C" {

/// Loads the candidate's code after confinement; returns 0, or nonzero with `error` filled in.
typedef int (*kda_runner_load_fn)(char* error, int error_size);
/// The entry point: the same signature as a native kda_entry.
typedef int (*kda_runner_entry_fn)(const DLTensor* inputs, int n_inputs, DLTensor* outputs, int n_outputs,
                                   void* stream);

struct kda_runner_hooks {
  kda_runner_load_fn load;   ///< called once, confined, before READY
  kda_runner_entry_fn entry;
  /// Extra paths the confined process may read and execute (the interpreter, its packages),
  /// nullptr-terminated; may be nullptr.
  const char* const* read_only;
  /// 1: child processes and execve stay allowed (Triton's JIT runs ptxas and the C compiler);
  /// the filesystem rules still decide what can be executed.
  int allow_process_creation;
};

/// argv as kda-runner takes it (main.cc documents the flags); `hooks` nullptr: load --library.
int kda_runner_main(int argc, char** argv, const kda_runner_hooks* hooks);

/// Sends an ERROR frame {code, message} to the judge (fd 4) before kda_runner_main runs: the
/// Python runner's report that its interpreter lacks torch (code "environment") and the like.
void kda_runner_fail(const char* code, const char* message);

/// Sets the message the judge sees for the current call's nonzero return code (thread-local;
/// read and cleared by the session after each call).
void kda_runner_set_error(const char* message);
}
