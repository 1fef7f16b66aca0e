// The portability header of the GPU runner: the runtime calls kda's device layer uses (memory,
// streams, events, host-mapped memory, device properties, errors), as one set of names in
// kda::gpu that map to the CUDA runtime or, with KDA_GPU_HIP defined, to the HIP runtime.
// gpu_device.cc and the kernels (launch_gate.cu, calibrate.cu) are written against these names
// only, so the one device implementation is compiled for both vendors: for CUDA into kda-runner
// (and run on the H200), for HIP into kda-runner-hip (compiled in CI, docs/amd.md).
//
// Thin on purpose: same arguments and meaning as the two runtimes' own calls, no behaviour of its
// own, so that the CUDA build issues exactly the calls cuda_device.cc issued before (issue 19).
#pragma once

#include <cstddef>
#include <string>

#if defined(KDA_GPU_HIP)
#if defined(__HIP__)
#include <hip/hip_runtime.h>
#else
#include <hip/hip_runtime_api.h>
#endif
#else
#include <cuda_runtime.h>
#endif

namespace kda::gpu {

#if defined(KDA_GPU_HIP)
// hipError_t is declared [[nodiscard]]; the device layer ignores some results on purpose, as the
// CUDA side always has (the next synchronize reports a sticky error), so the wrappers hand the
// same value back as a plain int.
using Error = int;
using Stream = hipStream_t;
using Event = hipEvent_t;
using DeviceProp = hipDeviceProp_t;
inline constexpr Error kSuccess = hipSuccess;
inline constexpr const char* kBackend = "hip";
inline constexpr const char* kRuntimeName = "HIP";
#define KDA_GPU(name) hip##name
#define KDA_GPU_ENUM(name) hip##name
#else
using Error = cudaError_t;
using Stream = cudaStream_t;
using Event = cudaEvent_t;
using DeviceProp = cudaDeviceProp;
inline constexpr Error kSuccess = cudaSuccess;
inline constexpr const char* kBackend = "cuda";
inline constexpr const char* kRuntimeName = "CUDA";
#define KDA_GPU(name) cuda##name
#define KDA_GPU_ENUM(name) cuda##name
#endif

inline std::string error_text(Error e) {
#if defined(KDA_GPU_HIP)
  const hipError_t h = static_cast<hipError_t>(e);
  const std::string name = hipGetErrorName(h), text = hipGetErrorString(h);
  return text == name ? name : name + ": " + text;  // ROCm 5.2 gives the name for both
#else
  return std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
#endif
}

// Device and context.
inline Error set_device(int ordinal) { return KDA_GPU(SetDevice)(ordinal); }
/// Creates the context (CUDA: the primary context; HIP: the runtime) before any sandboxing.
inline Error init_context() { return KDA_GPU(Free)(nullptr); }
inline Error get_properties(DeviceProp* p, int ordinal) { return KDA_GPU(GetDeviceProperties)(p, ordinal); }
inline Error device_count(int* n) { return KDA_GPU(GetDeviceCount)(n); }
inline Error synchronize_device() { return KDA_GPU(DeviceSynchronize)(); }
inline Error last_error() { return KDA_GPU(GetLastError)(); }
inline Error driver_version(int* v) { return KDA_GPU(DriverGetVersion)(v); }
inline Error runtime_version(int* v) { return KDA_GPU(RuntimeGetVersion)(v); }

// Streams and events.
inline Error stream_create_non_blocking(Stream* s) { return KDA_GPU(StreamCreateWithFlags)(s, KDA_GPU_ENUM(StreamNonBlocking)); }
inline Error stream_synchronize(Stream s) { return KDA_GPU(StreamSynchronize)(s); }
inline Error event_create(Event* e) { return KDA_GPU(EventCreate)(e); }
inline Error event_destroy(Event e) { return KDA_GPU(EventDestroy)(e); }
/// `s` nullptr: the legacy default stream (the probes' stream, as before the refactor).
inline Error event_record(Event e, Stream s = nullptr) { return KDA_GPU(EventRecord)(e, s); }
inline Error event_synchronize(Event e) { return KDA_GPU(EventSynchronize)(e); }
inline Error event_elapsed_ms(float* ms, Event start, Event stop) { return KDA_GPU(EventElapsedTime)(ms, start, stop); }

// Device memory.
inline Error malloc_device(void** p, size_t n) { return KDA_GPU(Malloc)(p, n); }
inline Error free_device(void* p) { return KDA_GPU(Free)(p); }
inline Error memset_sync(void* p, int byte, size_t n) { return KDA_GPU(Memset)(p, byte, n); }
inline Error memset_async(void* p, int byte, size_t n, Stream s) { return KDA_GPU(MemsetAsync)(p, byte, n, s); }
inline Error copy_to_device_async(void* dst, const void* src, size_t n, Stream s) {
  return KDA_GPU(MemcpyAsync)(dst, src, n, KDA_GPU_ENUM(MemcpyHostToDevice), s);
}
inline Error copy_to_host_async(void* dst, const void* src, size_t n, Stream s) {
  return KDA_GPU(MemcpyAsync)(dst, src, n, KDA_GPU_ENUM(MemcpyDeviceToHost), s);
}
inline Error copy_on_device_async(void* dst, const void* src, size_t n, Stream s) {
  return KDA_GPU(MemcpyAsync)(dst, src, n, KDA_GPU_ENUM(MemcpyDeviceToDevice), s);
}

// Host memory.
/// Page-locked host memory (scratch buffers).
inline Error malloc_host(void** p, size_t n) {
#if defined(KDA_GPU_HIP)
  return hipHostMalloc(p, n, hipHostMallocDefault);
#else
  return cudaMallocHost(p, n);
#endif
}
/// Host memory the device reads while a kernel runs (the launch gate's words): mapped, and on
/// HIP also coherent, so that a spinning kernel sees the host's store instead of a cached line
/// (HIP's default for hipHostMalloc follows HIP_HOST_COHERENT, which is off unless set).
inline Error malloc_host_mapped(void** p, size_t n) {
#if defined(KDA_GPU_HIP)
  return hipHostMalloc(p, n, hipHostMallocMapped | hipHostMallocCoherent);
#else
  return cudaHostAlloc(p, n, cudaHostAllocMapped);
#endif
}
inline Error free_host(void* p) {
#if defined(KDA_GPU_HIP)
  return hipHostFree(p);
#else
  return cudaFreeHost(p);
#endif
}
inline Error host_register(void* p, size_t n) { return KDA_GPU(HostRegister)(p, n, KDA_GPU_ENUM(HostRegisterDefault)); }
inline Error host_unregister(void* p) { return KDA_GPU(HostUnregister)(p); }

#undef KDA_GPU
#undef KDA_GPU_ENUM

}  // namespace kda::gpu
