#include "tools/runner/cupti_timer.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include <cuda_runtime.h>
#include <cupti_activity.h>

#ifndef KDA_CUPTI_LIBRARY
#define KDA_CUPTI_LIBRARY ""
#endif

namespace kda::runner {
namespace {

// The CUPTI entry points the timer uses, resolved from a dlopen()ed libcupti.
struct Api {
  CUptiResult (*register_callbacks)(CUpti_BuffersCallbackRequestFunc, CUpti_BuffersCallbackCompleteFunc) = nullptr;
  CUptiResult (*enable)(CUpti_ActivityKind) = nullptr;
  CUptiResult (*disable)(CUpti_ActivityKind) = nullptr;
  CUptiResult (*flush_all)(uint32_t) = nullptr;
  CUptiResult (*next_record)(uint8_t*, size_t, CUpti_Activity**) = nullptr;
  CUptiResult (*result_string)(CUptiResult, const char**) = nullptr;
};

// One device activity as the timer needs it.
struct Record {
  CUpti_ActivityKind kind;
  uint32_t stream;
  uint64_t start, end;
  bool gate_named;  ///< a kernel whose name is the launch gate's
};

// CUPTI calls back through plain function pointers, so the records live here, behind a mutex:
// the completion callback may run on a CUPTI thread.
std::mutex g_mu;
std::vector<Record> g_records;
std::string g_gate_name;
Api g_api;
void* g_lib = nullptr;

constexpr size_t kBufferBytes = 4 << 20;
const CUpti_ActivityKind kKinds[] = {CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMCPY,
                                     CUPTI_ACTIVITY_KIND_MEMCPY2, CUPTI_ACTIVITY_KIND_MEMSET};

void CUPTIAPI buffer_requested(uint8_t** buffer, size_t* size, size_t* max_records) {
  *buffer = static_cast<uint8_t*>(std::aligned_alloc(8, kBufferBytes));
  *size = *buffer ? kBufferBytes : 0;
  *max_records = 0;
}

void CUPTIAPI buffer_completed(CUcontext, uint32_t, uint8_t* buffer, size_t, size_t valid) {
  std::lock_guard<std::mutex> lock(g_mu);
  CUpti_Activity* rec = nullptr;
  while (buffer && g_api.next_record(buffer, valid, &rec) == CUPTI_SUCCESS) {
    switch (rec->kind) {
      case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL:
      case CUPTI_ACTIVITY_KIND_KERNEL: {
        auto* k = reinterpret_cast<CUpti_ActivityKernel10*>(rec);
        bool gate = k->name && !g_gate_name.empty() && g_gate_name == k->name;
        g_records.push_back({rec->kind, k->streamId, k->start, k->end, gate});
        break;
      }
      case CUPTI_ACTIVITY_KIND_MEMCPY: {
        auto* m = reinterpret_cast<CUpti_ActivityMemcpy6*>(rec);
        g_records.push_back({rec->kind, m->streamId, m->start, m->end, false});
        break;
      }
      case CUPTI_ACTIVITY_KIND_MEMCPY2: {
        auto* m = reinterpret_cast<CUpti_ActivityMemcpyPtoP4*>(rec);
        g_records.push_back({rec->kind, m->streamId, m->start, m->end, false});
        break;
      }
      case CUPTI_ACTIVITY_KIND_MEMSET: {
        auto* m = reinterpret_cast<CUpti_ActivityMemset4*>(rec);
        g_records.push_back({rec->kind, m->streamId, m->start, m->end, false});
        break;
      }
      default: break;
    }
  }
  std::free(buffer);
}

template <typename F>
bool resolve(F& fn, const char* name) {
  fn = reinterpret_cast<F>(dlsym(g_lib, name));
  return fn != nullptr;
}

std::vector<Record> take_records() {
  if (g_api.flush_all) g_api.flush_all(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
  std::lock_guard<std::mutex> lock(g_mu);
  std::vector<Record> out;
  out.swap(g_records);
  return out;
}

// The stream id CUPTI gives `stream`, read off the record of a one-word memset issued on it.
bool learn_stream_id(void* stream, uint32_t* id) {
  void* word = nullptr;
  if (cudaMalloc(&word, 256) != cudaSuccess) return false;
  take_records();
  cudaMemsetAsync(word, 0, 4, static_cast<cudaStream_t>(stream));
  cudaDeviceSynchronize();
  bool found = false;
  for (const Record& r : take_records())
    if (r.kind == CUPTI_ACTIVITY_KIND_MEMSET) {
      *id = r.stream;
      found = true;
    }
  cudaFree(word);
  return found;
}

uint32_t g_own_stream = UINT32_MAX;
uint32_t g_candidate_stream = UINT32_MAX;

}  // namespace

bool CuptiTimer::start(std::string* why) {
  std::vector<std::string> names;
  if (const char* e = std::getenv("KDA_CUPTI_LIBRARY"); e && *e) names.push_back(e);
  names.insert(names.end(), {"libcupti.so.13", "libcupti.so.12", "libcupti.so"});
  if (std::strlen(KDA_CUPTI_LIBRARY) > 0) names.push_back(KDA_CUPTI_LIBRARY);
  for (const std::string& n : names) {
    if ((g_lib = dlopen(n.c_str(), RTLD_NOW | RTLD_LOCAL))) {
      library_ = n;
      break;
    }
  }
  if (!g_lib) {
    *why = "libcupti was not found (set KDA_CUPTI_LIBRARY to its path)";
    return false;
  }
  if (!resolve(g_api.register_callbacks, "cuptiActivityRegisterCallbacks") || !resolve(g_api.enable, "cuptiActivityEnable") ||
      !resolve(g_api.disable, "cuptiActivityDisable") || !resolve(g_api.flush_all, "cuptiActivityFlushAll") ||
      !resolve(g_api.next_record, "cuptiActivityGetNextRecord") || !resolve(g_api.result_string, "cuptiGetResultString")) {
    *why = library_ + " lacks the activity API";
    g_api = Api{};
    return false;
  }
  auto failed = [&](CUptiResult r, const char* what) {
    const char* s = nullptr;
    g_api.result_string(r, &s);
    *why = std::string(what) + ": " + (s ? s : "CUPTI error " + std::to_string(static_cast<int>(r)));
    for (CUpti_ActivityKind k : kKinds) g_api.disable(k);
    g_api = Api{};
    return false;
  };
  if (CUptiResult r = g_api.register_callbacks(buffer_requested, buffer_completed); r != CUPTI_SUCCESS)
    return failed(r, "cuptiActivityRegisterCallbacks");
  for (CUpti_ActivityKind k : kKinds)
    if (CUptiResult r = g_api.enable(k); r != CUPTI_SUCCESS) return failed(r, "cuptiActivityEnable");
  started_ = true;
  return true;
}

CuptiTimer::~CuptiTimer() { stop(); }

// Recording off and the records dropped: a timer that is not used must not keep collecting every
// activity of the runner into memory that nothing reads.
void CuptiTimer::stop() {
  if (!started_) return;
  for (CUpti_ActivityKind k : kKinds) g_api.disable(k);
  take_records();
  started_ = false;
}

void CuptiTimer::set_own_stream(void* stream) {
  if (started_ && !learn_stream_id(stream, &g_own_stream)) stop();
}

void CuptiTimer::set_candidate_stream(void* stream) {
  if (started_ && !learn_stream_id(stream, &g_candidate_stream)) stop();
}

void CuptiTimer::set_gate_kernel(const std::string& name) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_gate_name = name;
}

void CuptiTimer::discard() {
  if (started_) take_records();
}

ActivitySpan CuptiTimer::collect(bool gated) {
  ActivitySpan span;
  if (!started_) return span;
  std::vector<Record> recs = take_records();
  // The gate is the earliest gate-named kernel on the candidate's stream: it was launched before
  // the call, and everything the candidate queues there runs after it.
  size_t gate = recs.size();
  if (gated)
    for (size_t i = 0; i < recs.size(); ++i)
      if (recs[i].gate_named && recs[i].stream == g_candidate_stream && (gate == recs.size() || recs[i].start < recs[gate].start))
        gate = i;
  for (size_t i = 0; i < recs.size(); ++i) {
    const Record& r = recs[i];
    if (i == gate || r.stream == g_own_stream) continue;
    span.start_ns = span.records == 0 ? r.start : std::min(span.start_ns, r.start);
    span.end_ns = std::max(span.end_ns, r.end);
    ++span.records;
  }
  return span;
}

}  // namespace kda::runner
