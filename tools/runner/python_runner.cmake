# libkda-pyrunner.so + kda_pyrunner.py: the runner for Python, Triton and torch-extension code
# (docs/evaluator.md "The Python runner"). The library is kda-runner without its main(): the same
# sources, definitions and links, read from the kda-runner target so that the two cannot drift.
# kda_pyrunner.py loads it with ctypes (no Python headers at build time, so one build serves any
# Python 3 the machine has, e.g. the Debian python3 with python3-torch, or a GPU box's venv).
get_target_property(_py_sources kda-runner SOURCES)
list(REMOVE_ITEM _py_sources main.cc)
get_target_property(_py_includes kda-runner INCLUDE_DIRECTORIES)
get_target_property(_py_defs kda-runner COMPILE_DEFINITIONS)
get_target_property(_py_links kda-runner LINK_LIBRARIES)
add_library(kda-pyrunner SHARED ${_py_sources})
target_include_directories(kda-pyrunner PRIVATE ${_py_includes})
if(_py_defs)
  target_compile_definitions(kda-pyrunner PRIVATE ${_py_defs})
endif()
target_link_libraries(kda-pyrunner PRIVATE ${_py_links})
get_target_property(_py_arch kda-runner CUDA_ARCHITECTURES)
if(_py_arch)
  set_target_properties(kda-pyrunner PROPERTIES CUDA_ARCHITECTURES "${_py_arch}")
endif()
kda_warnings(kda-pyrunner)
set_target_properties(kda-pyrunner PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
# The Python side lives beside the runner; the judge finds it there.
foreach(_py_file kda_pyrunner.py kda_torch_build.py)
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/bin/${_py_file}
                     COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_SOURCE_DIR}/${_py_file} ${PROJECT_BINARY_DIR}/bin/${_py_file}
                     DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${_py_file})
  list(APPEND _py_outputs ${PROJECT_BINARY_DIR}/bin/${_py_file})
endforeach()
add_custom_target(kda-pyrunner-scripts ALL DEPENDS ${_py_outputs})
add_dependencies(kda-pyrunner kda-pyrunner-scripts)
