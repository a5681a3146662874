# Per-target build settings: warnings and sanitizers are set here, never by editing
# CMAKE_CXX_FLAGS, so third-party headers and test frameworks are not affected by accident.
function(smrel_target_options target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
)
  # Two GCC 12 false positives, both fixed in 13: -Wrestrict inside libstdc++ for
  # `"literal" + std::string` at -O2 (GCC bug 105329), and -Wmismatched-new-delete on Asio's
  # coroutine frames, whose custom operator new/delete pair GCC 12 fails to match (bug 109224).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict -Wno-mismatched-new-delete)
  endif()
  if(SMREL_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(SMREL_SANITIZE)
    target_compile_options(${target} PUBLIC -fsanitize=address,undefined -fno-omit-frame-pointer
                                            -fno-sanitize-recover=undefined)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
  if(SMREL_BUILD_FUZZ)
    # Coverage for libFuzzer without its main(); the fuzz targets link the fuzzer itself
    # (smrel_fuzz_target in tests/fuzz). -O1 with assert() and libstdc++'s bounds checks left on:
    # scripts/fuzz.sh configures a Debug build.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                                             -fno-sanitize-recover=undefined -fno-omit-frame-pointer
                                             -O1 -D_GLIBCXX_ASSERTIONS)
  endif()
endfunction()

# One static library per source folder, include paths from the repository root.
function(smrel_library target)
  cmake_parse_arguments(arg "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${target} STATIC ${arg_SOURCES})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${target} PUBLIC ${arg_PUBLIC_DEPS} PRIVATE ${arg_PRIVATE_DEPS})
  smrel_target_options(${target})
endfunction()
