# Helpers shared by every module's CMakeLists.txt.

# Warnings for our own targets (never for third-party headers).
function(kda_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wno-missing-field-initializers>
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${KDA_WERROR}>>:-Werror>)
endfunction()

# kda_module(NAME SOURCES a.cc b.cc DEPS kda::core ...)
# Defines library kda_<NAME> with alias kda::<NAME>; includes are full paths from src/.
function(kda_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(kda_${name} STATIC ${ARG_SOURCES})
  add_library(kda::${name} ALIAS kda_${name})
  target_include_directories(kda_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src ${PROJECT_BINARY_DIR}/generated)
  target_link_libraries(kda_${name} PUBLIC ${ARG_DEPS})
  kda_warnings(kda_${name})
endfunction()

# add_kda_test(NAME SOURCES x_test.cc ... DEPS ... [LABELS l1 l2] [SERIAL])
# One gtest executable per module; skipped gtests are reported by ctest as skipped.
function(add_kda_test name)
  cmake_parse_arguments(ARG "SERIAL" "" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT KDA_BUILD_TESTS)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main Threads::Threads)
  target_compile_definitions(${name} PRIVATE
    KDA_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    KDA_BINARY_DIR="${PROJECT_BINARY_DIR}")
  kda_warnings(${name})
  # SERIAL tests time candidates against baselines on every core: they must not share the
  # machine with other tests (ctest -j), or the comparison measures the neighbour.
  if(ARG_SERIAL)
    gtest_discover_tests(${name}
      DISCOVERY_TIMEOUT 60
      PROPERTIES SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]" LABELS "${ARG_LABELS}" RUN_SERIAL TRUE)
  else()
    gtest_discover_tests(${name}
      DISCOVERY_TIMEOUT 60
      PROPERTIES SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]" LABELS "${ARG_LABELS}")
  endif()
endfunction()
