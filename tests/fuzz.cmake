# Fuzzing the parser (tests/fuzz/fuzz_parse.c) with libFuzzer under
# AddressSanitizer and UndefinedBehaviorSanitizer. Only with
# -DCTLSIGN_FUZZ=ON and clang (CC=clang). The engine's sources are
# compiled again into the fuzzer with the fuzzing flags, so the rest of
# the build keeps its own flags.
#   ctest -R '^fuzz_'   builds the seed corpus with the ctlsign binary
#                       (fuzz_corpus), then fuzzes (fuzz_parse).
if(CTLSIGN_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(WARNING "CTLSIGN_FUZZ needs clang (configure with CC=clang); no fuzz targets")
    return()
  endif()
  set(CTLSIGN_FUZZ_SECONDS 60 CACHE STRING
      "How long the fuzz_parse test fuzzes, in seconds")

  get_target_property(fuzz_core_sources ctlsign_core SOURCES)
  get_target_property(fuzz_core_dir ctlsign_core SOURCE_DIR)
  set(fuzz_sources "")
  foreach(src ${fuzz_core_sources})
    if(NOT IS_ABSOLUTE ${src})
      set(src ${fuzz_core_dir}/${src})
    endif()
    list(APPEND fuzz_sources ${src})
  endforeach()

  set(fuzz_flags -fsanitize=fuzzer,address,undefined
                 -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_executable(fuzz_parse ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_parse.c
                 ${fuzz_sources})
  target_include_directories(fuzz_parse PRIVATE
    $<TARGET_PROPERTY:ctlsign_core,INCLUDE_DIRECTORIES>)
  target_compile_options(fuzz_parse PRIVATE ${fuzz_flags})
  target_link_options(fuzz_parse PRIVATE ${fuzz_flags})
  target_link_libraries(fuzz_parse PRIVATE PkgConfig::OPENSSL)
  target_compile_definitions(fuzz_parse PRIVATE
    TEST_DATA="${CTLSIGN_TEST_DATA}")
  # The seed corpus is made by the tool itself.
  add_dependencies(fuzz_parse ctlsign)

  set(fuzz_dir ${CMAKE_CURRENT_BINARY_DIR}/fuzz)
  add_test(NAME fuzz_corpus
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/make-corpus.sh
            $<TARGET_FILE:ctlsign> ${CTLSIGN_TEST_DATA} ${fuzz_dir}/seeds)
  set_tests_properties(fuzz_corpus PROPERTIES LABELS fuzz
    FIXTURES_SETUP fuzz_seeds)
  # New inputs go to corpus/ (kept between runs), crashes to artifacts/.
  add_test(NAME fuzz_parse
    COMMAND ${CMAKE_COMMAND} -E env
            ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
            $<TARGET_FILE:fuzz_parse>
            -max_total_time=${CTLSIGN_FUZZ_SECONDS} -timeout=10
            -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1
            -artifact_prefix=${fuzz_dir}/artifacts/
            ${fuzz_dir}/corpus ${fuzz_dir}/seeds)
  set_tests_properties(fuzz_parse PROPERTIES LABELS fuzz
    FIXTURES_REQUIRED fuzz_seeds
    TIMEOUT 0)
  file(MAKE_DIRECTORY ${fuzz_dir}/corpus ${fuzz_dir}/artifacts)
endif()
