# kda-runner-hip: kda-runner's sources with the GPU device compiled against the HIP runtime
# (gpu_device.cc with KDA_GPU_HIP, vendor_hip.cc) and the runner's kernels (launch_gate.cu,
# calibrate.cu, input_hash.cu) compiled by hipcc as HIP for every target the toolchain can build. A separate
# executable, so that a missing or broken ROCm toolchain never touches the CPU/CUDA build
# (docs/amd.md). Compiled in CI with Debian 12's hipcc (ROCm 5.2, clang 15); never run on an AMD GPU.
find_program(KDA_HIPCC hipcc)
if(KDA_HIPCC)
  set(_kda_hip_default ON)
else()
  set(_kda_hip_default OFF)
endif()
option(KDA_HIP "Build kda-runner-hip, the HIP backend (needs hipcc and libamdhip64-dev)" ${_kda_hip_default})
# The CDNA targets asked for; each is kept only if this hipcc compiles for it (Debian 12's clang
# 15 knows gfx90a but not gfx942 or gfx950), and KDA_HIP_ARCHS_BUILT says which were kept.
set(KDA_HIP_ARCHS "gfx942;gfx950;gfx90a" CACHE STRING "CDNA targets of kda-runner-hip's kernels (those hipcc refuses are dropped)")
if(NOT KDA_HIP)
  return()
endif()
if(NOT KDA_HIPCC)
  message(FATAL_ERROR "KDA_HIP is ON but hipcc was not found (scripts/install-deps.sh installs Debian's)")
endif()
find_library(KDA_AMDHIP64 amdhip64)
if(NOT KDA_AMDHIP64)
  message(FATAL_ERROR "KDA_HIP is ON but libamdhip64 was not found (apt-get install libamdhip64-dev)")
endif()

set(_probe ${CMAKE_CURRENT_BINARY_DIR}/hip_probe)
file(MAKE_DIRECTORY ${_probe})
file(WRITE ${_probe}/probe.hip "#include <hip/hip_runtime.h>\n__global__ void k(float* p) { p[threadIdx.x] = 1.0f; }\n")
set(KDA_HIP_ARCHS_BUILT "")
foreach(_arch IN LISTS KDA_HIP_ARCHS)
  execute_process(COMMAND ${KDA_HIPCC} --offload-arch=${_arch} -c ${_probe}/probe.hip -o ${_probe}/probe_${_arch}.o
                  RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
  if(_rc EQUAL 0)
    list(APPEND KDA_HIP_ARCHS_BUILT ${_arch})
  else()
    message(STATUS "kda: hipcc cannot compile for ${_arch}; kda-runner-hip leaves it out")
  endif()
endforeach()
if(NOT KDA_HIP_ARCHS_BUILT)
  message(FATAL_ERROR "KDA_HIP is ON but hipcc compiles for none of ${KDA_HIP_ARCHS}")
endif()
set(KDA_HIP_ARCHS_BUILT "${KDA_HIP_ARCHS_BUILT}" CACHE INTERNAL "CDNA targets kda-runner-hip is built for")
message(STATUS "kda: kda-runner-hip for ${KDA_HIP_ARCHS_BUILT} (${KDA_HIPCC})")

set(_offload "")
foreach(_arch IN LISTS KDA_HIP_ARCHS_BUILT)
  list(APPEND _offload --offload-arch=${_arch})
endforeach()
set(_werror "")
if(KDA_WERROR)
  set(_werror -Werror)
endif()
set(_hip_objects "")
foreach(_kernel launch_gate calibrate input_hash)
  set(_obj ${CMAKE_CURRENT_BINARY_DIR}/hip_${_kernel}.o)
  add_custom_command(
    OUTPUT ${_obj}
    COMMAND ${KDA_HIPCC} -x hip -std=c++17 -O3 -fPIC -Wall -Wextra ${_werror} -DKDA_GPU_HIP=1 ${_offload}
            -I${PROJECT_SOURCE_DIR} -I${PROJECT_SOURCE_DIR}/src -c ${CMAKE_CURRENT_SOURCE_DIR}/${_kernel}.cu -o ${_obj}
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${_kernel}.cu ${CMAKE_CURRENT_SOURCE_DIR}/gpu_kernels.h
            ${CMAKE_CURRENT_SOURCE_DIR}/gpu_runtime.h ${PROJECT_SOURCE_DIR}/src/eval/fast_hash.h
    COMMENT "hipcc ${_kernel}.cu for ${KDA_HIP_ARCHS_BUILT}"
    VERBATIM)
  list(APPEND _hip_objects ${_obj})
endforeach()

# kda-runner's own list, less what is CUDA's, plus the HIP device and its kernels: the two
# runners cannot drift apart.
get_target_property(_hip_sources kda-runner SOURCES)
list(REMOVE_ITEM _hip_sources hip_forward.cc gpu_device.cc vendor_cuda.cc cupti_timer.cc calibrate.cu launch_gate.cu input_hash.cu)
add_executable(kda-runner-hip ${_hip_sources} gpu_device.cc vendor_hip.cc ${_hip_objects})
set_source_files_properties(${_hip_objects} PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
target_include_directories(kda-runner-hip PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/src ${DLPACK_INCLUDE_DIR})
target_compile_definitions(kda-runner-hip PRIVATE KDA_GPU_HIP=1 KDA_HAVE_HIP=1 __HIP_PLATFORM_AMD__=1)
target_link_libraries(kda-runner-hip PRIVATE kda::core kda::sandbox Threads::Threads ${CMAKE_DL_LIBS} ${KDA_AMDHIP64})
kda_warnings(kda-runner-hip)
set_target_properties(kda-runner-hip PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
