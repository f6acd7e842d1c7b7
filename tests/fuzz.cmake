# Fuzzing the parser, the verifier and the cluster config reader
# (tests/fuzz/fuzz_*.c) with libFuzzer under
# AddressSanitizer and UndefinedBehaviorSanitizer. Only with
# -DCTLSIGN_FUZZ=ON and clang (CC=clang). The engine's sources are
# compiled again into the fuzzer with the fuzzing flags, so the rest of
# the build keeps its own flags.
#   ctest -R '^fuzz_'   builds the seed corpus with the ctlsign binary
#                       (fuzz_corpus), then fuzzes: fuzz_parse (parse and
#                       re-serialize), fuzz_verify (verify with the key
#                       cache, against an independent oracle) and
#                       fuzz_config (the cluster config reader), each for
#                       a third of CTLSIGN_FUZZ_SECONDS.
#   A long run by hand:  build-fuzz/tests/fuzz_verify -max_total_time=3600 \
#                        build-fuzz/tests/fuzz/fuzz_verify/corpus build-fuzz/tests/fuzz/seeds
if(CTLSIGN_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(WARNING "CTLSIGN_FUZZ needs clang (configure with CC=clang); no fuzz targets")
    return()
  endif()
  set(CTLSIGN_FUZZ_SECONDS 60 CACHE STRING
      "How long the fuzz tests fuzz in all, in seconds")

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
  set(fuzz_dir ${CMAKE_CURRENT_BINARY_DIR}/fuzz)

  # The trust-list seeds are made by the tool itself and by ctlsign_forge
  # (the attacker's files of tests/cli/forgery.sh).
  add_test(NAME fuzz_corpus
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/make-corpus.sh
            $<TARGET_FILE:ctlsign> ${CTLSIGN_TEST_DATA} ${fuzz_dir}/seeds
            $<TARGET_FILE:ctlsign_forge>)
  set_tests_properties(fuzz_corpus PROPERTIES LABELS fuzz
    FIXTURES_SETUP fuzz_seeds)

  # ctlsign_fuzz_target(NAME SECONDS SEEDS SOURCES... [LIBS libs...]):
  # tests/fuzz/NAME.c with SOURCES compiled again with the fuzzing flags
  # (so the rest of the build keeps its own), and a test NAME that fuzzes
  # for SECONDS from the seed directory SEEDS. New inputs go to
  # fuzz/NAME/corpus (kept between runs), crashes to fuzz/NAME/artifacts.
  function(ctlsign_fuzz_target name seconds seeds)
    cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
    add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${name}.c
                   ${F_SOURCES})
    target_include_directories(${name} PRIVATE
      $<TARGET_PROPERTY:ctlsign_core,INCLUDE_DIRECTORIES>)
    target_compile_options(${name} PRIVATE ${fuzz_flags})
    target_link_options(${name} PRIVATE ${fuzz_flags})
    target_link_libraries(${name} PRIVATE PkgConfig::OPENSSL ${F_LIBS})
    target_compile_definitions(${name} PRIVATE
      TEST_DATA="${CTLSIGN_TEST_DATA}")
    add_dependencies(${name} ctlsign ctlsign_forge)
    set(d ${fuzz_dir}/${name})
    add_test(NAME ${name}
      COMMAND ${CMAKE_COMMAND} -E env
              ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
              UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
              $<TARGET_FILE:${name}>
              -max_total_time=${seconds} -timeout=10
              -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1
              -artifact_prefix=${d}/artifacts/
              ${d}/corpus ${seeds})
    set_tests_properties(${name} PROPERTIES LABELS fuzz
      FIXTURES_REQUIRED fuzz_seeds
      TIMEOUT 0)
    file(MAKE_DIRECTORY ${d}/corpus ${d}/artifacts)
  endfunction()

  # CI's bounded slice: CTLSIGN_FUZZ_SECONDS split between the targets.
  math(EXPR fuzz_third "(${CTLSIGN_FUZZ_SECONDS} + 2) / 3")
  ctlsign_fuzz_target(fuzz_parse ${fuzz_third} ${fuzz_dir}/seeds
                      SOURCES ${fuzz_sources})
  ctlsign_fuzz_target(fuzz_verify ${fuzz_third} ${fuzz_dir}/seeds
                      SOURCES ${fuzz_sources})
  ctlsign_fuzz_target(fuzz_config ${fuzz_third}
                      ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/config-seeds
                      SOURCES ${fuzz_sources} ${CMAKE_SOURCE_DIR}/cluster/config.c
                      LIBS PkgConfig::INIH)
  target_include_directories(fuzz_config PRIVATE ${CMAKE_SOURCE_DIR}/cluster)
endif()
