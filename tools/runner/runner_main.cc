// kda-runner: the untrusted side of the evaluator (DESIGN §4). It initialises the device,
// confines itself (src/sandbox), loads one library (candidate, baseline or reference), then answers
// the judge's requests on fd 3 (in) / fd 4 (out). It never sees expected outputs, the seed or
// verdicts; anything it reports is cross-checked by the judge.
//
// Pipe mode: fd 3 requests, fd 4 answers, fd 5 the shared memory for sets and outputs.
//
// usage: kda-runner --backend cpu|cuda|hip --library LIB.so [--entry kda_entry] [--scratch DIR]
//                   [--device N] [--no-sandbox] [--requests FILE --responses FILE]
//                   [--cgroup PROCS_FILE]... [--memory-limit BYTES]
//
// --cgroup: a cgroup.procs file of the group the judge made for this runner (sandbox/limit_group.h);
// the runner joins it first, before any candidate code exists in it, so every thread the
// candidate starts counts against the group's caps. --memory-limit: RLIMIT_AS, for the CPU
// backend where no memory cgroup could be made (CUDA reserves far more address space than memory).
//
// --requests/--responses replace the two pipes with files: the runner answers a recorded
// sequence of requests on its own. `kda profile run --task` uses this so that Nsight Compute
// profiles one process running the candidate, with no judge around it.
#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#include <thread>

#include "core/utf8.h"
#include "eval/protocol.h"
#include "sandbox/limit_group.h"
#include "sandbox/sandbox.h"
#include "tools/runner/device.h"
#include "tools/runner/session.h"
#include "tools/runner/runner_main.h"

namespace {

struct Args {
  std::string backend = "cpu";
  std::string library;
  std::string entry = "kda_entry";
  std::string scratch;
  std::string requests, responses;
  int device = 0;
  bool sandbox = true;
  std::vector<std::string> cgroups;
  uint64_t memory_limit = 0;
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "kda-runner: %s needs a value\n", k.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (k == "--backend") a.backend = value();
    else if (k == "--library") a.library = value();
    else if (k == "--entry") a.entry = value();
    else if (k == "--scratch") a.scratch = value();
    else if (k == "--device") a.device = std::stoi(value());
    else if (k == "--no-sandbox") a.sandbox = false;
    else if (k == "--requests") a.requests = value();
    else if (k == "--responses") a.responses = value();
    else if (k == "--cgroup") a.cgroups.push_back(value());
    else if (k == "--memory-limit") a.memory_limit = std::stoull(value());
    else {
      std::fprintf(stderr, "kda-runner: unknown argument %s\n", k.c_str());
      std::exit(2);
    }
  }
  return a;
}

void send_error(int fd, uint32_t seq, const std::string& code, const std::string& message) {
  kda::wire::Frame f;
  f.type = kda::wire::Type::kError;
  f.seq = seq;
  f.json = {{"code", code}, {"message", message}};
  kda::wire::write_frame(fd, f);
}

}  // namespace

void kda_runner_fail(const char* code, const char* message) {
  try {
    send_error(4, 0, code ? code : "runner", kda::valid_utf8(message ? message : ""));
  } catch (...) {  // no judge on fd 4 (a recorded session): stderr has the message
  }
}

int kda_runner_main(int argc, char** argv, const kda_runner_hooks* hooks) {
  std::signal(SIGPIPE, SIG_IGN);
#ifdef __GLIBC__
  // Input and output buffers of a new layout reuse the heap pages of the previous one instead of
  // fresh mmap()s: a runner that serves many workloads (the baseline's and the reference's on
  // the CPU backend) then touches each page once, not once per workload. A page's first touch
  // costs more than copying it on some VMs (docs/evaluator.md, "Phase timers").
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
  Args args = parse_args(argc, argv);
  int kIn = 3, kOut = 4;
  // fd 5: the memory shared with the judge for input sets and outputs (eval/shared_region.h);
  // absent when the requests come from files, which carry their data in the frames.
  kda::SharedRegion shm;
  bool have_shm = false;
  if (!args.requests.empty() || !args.responses.empty()) {
    kIn = ::open(args.requests.c_str(), O_RDONLY | O_CLOEXEC);
    kOut = ::open(args.responses.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (kIn < 0 || kOut < 0) {
      std::fprintf(stderr, "kda-runner: --requests and --responses need a readable and a writable file\n");
      return 2;
    }
  } else if (::fcntl(5, F_GETFD) != -1) {
    shm = kda::SharedRegion::adopt(5);
    have_shm = true;
  }
  if (std::string why = kda::join_limit_group(args.cgroups); !why.empty()) {
    send_error(kOut, 0, "runner", why);
    return 3;
  }
  try {
    std::string error;
    std::unique_ptr<kda::runner::Device> device =
        args.backend == "cuda" ? kda::runner::make_cuda_device(args.device, &error)
        : args.backend == "hip" ? kda::runner::make_hip_device(args.device, &error)
        : args.backend == "cpu" ? kda::runner::make_cpu_device()
                                : nullptr;
    if (!device) {
      send_error(kOut, 0, "device", error.empty() ? "unsupported backend " + args.backend : error);
      return 3;
    }
    // Confined before the library is loaded: its static constructors are candidate code too.
    // Only new executable mappings stay allowed until the library is mapped, then are sealed.
    kda::Json sandbox = {{"enforced", false}};
    kda::SandboxStatus st;
    if (args.sandbox) {
      kda::SandboxPolicy policy = kda::default_runner_policy(args.scratch);
      policy.read_only.push_back(std::filesystem::absolute(args.library).parent_path());
      policy.forbid_exec_mappings = false;
      if (hooks) {
        for (const char* const* p = hooks->read_only; p && *p; ++p) policy.read_only.emplace_back(*p);
        policy.allow_exec = hooks->allow_process_creation != 0;  // execve and children; no network
      }
      if (args.backend == "cpu") policy.address_space = args.memory_limit;
      st = kda::apply_sandbox(policy);
    }
    kda::runner::EntryFn entry = nullptr;
    if (hooks) {
      char why[4096] = {0};
      if (hooks->load(why, sizeof why) != 0) {
        send_error(kOut, 0, "load_error", why[0] ? why : "the candidate could not be loaded");
        return 3;
      }
      entry = hooks->entry;
    } else {
      void* lib = dlopen(args.library.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!lib) {
        send_error(kOut, 0, "load_error", std::string("cannot load the library: ") + dlerror());
        return 3;
      }
      entry = reinterpret_cast<kda::runner::EntryFn>(dlsym(lib, args.entry.c_str()));
      if (!entry) {
        send_error(kOut, 0, "load_error", "the library does not export " + args.entry);
        return 3;
      }
    }
    // A Python runner keeps executable mappings: its interpreter loads extension modules (and
    // Triton its launchers) after confinement. Landlock still decides which files can be mapped.
    if (args.sandbox && !hooks) {
      kda::seal_exec_mappings(st);
    }
    if (args.sandbox) {
      sandbox = {{"enforced", st.complete()}, {"landlock_abi", st.landlock_abi},
                 {"landlock", st.landlock_applied}, {"seccomp", st.seccomp_applied},
                 {"no_new_privs", st.no_new_privs}, {"warnings", st.warnings}};
    }
    kda::wire::Frame ready;
    ready.type = kda::wire::Type::kReady;
    ready.json = {{"pid", ::getpid()}, {"device", device->describe()}, {"sandbox", sandbox}};
    kda::wire::write_frame(kOut, ready);

    kda::runner::Session session(*device, entry, have_shm ? &shm : nullptr);
    while (true) {
      kda::wire::Frame req = kda::wire::read_frame(kIn);
      if (req.type == kda::wire::Type::kBye) return 0;
      kda::wire::Frame resp = session.handle(req);
      resp.seq = req.seq;
      kda::wire::write_frame(kOut, resp);
    }
  } catch (const kda::wire::WireError& e) {
    return e.kind == kda::wire::WireError::Kind::kClosed ? 0 : 4;
  } catch (const std::exception& e) {
    try {
      send_error(kOut, 0, "runner", e.what());
    } catch (...) {
    }
    return 5;
  }
}
