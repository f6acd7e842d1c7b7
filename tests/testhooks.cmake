# Test builds of the programs (issue 11): NAME-testhooks is NAME built
# from the same sources, libraries and definitions, plus
# CTLSIGN_TEST_HOOKS and ctlsign/testhooks.c, which read
# CTLSIGN_TEST_PAUSE / CTLSIGN_TEST_PAUSE_FILE and install the engine's
# pause hook (trustlist/util.h). The release programs have no such code:
# tests/cli/testhooks.sh checks it. Built beside them, where the scripts
# find them ($(dirname "$BIN")/ctlsign-testhooks).
function(ctlsign_testhooks_variant target output)
  get_target_property(srcs ${target} SOURCES)
  get_target_property(dir ${target} SOURCE_DIR)
  get_target_property(libs ${target} LINK_LIBRARIES)
  get_target_property(defs ${target} COMPILE_DEFINITIONS)
  get_target_property(incs ${target} INCLUDE_DIRECTORIES)
  get_target_property(copts ${target} COMPILE_OPTIONS)
  set(abs)
  foreach(s IN LISTS srcs)
    if(IS_ABSOLUTE "${s}")
      list(APPEND abs "${s}")
    else()
      list(APPEND abs "${dir}/${s}")
    endif()
  endforeach()
  add_executable(${target}_testhooks ${abs} ${CMAKE_SOURCE_DIR}/ctlsign/testhooks.c)
  if(libs)
    target_link_libraries(${target}_testhooks PRIVATE ${libs})
  endif()
  if(defs)
    target_compile_definitions(${target}_testhooks PRIVATE ${defs})
  endif()
  if(incs)
    target_include_directories(${target}_testhooks PRIVATE ${incs})
  endif()
  if(copts)
    target_compile_options(${target}_testhooks PRIVATE ${copts})
  endif()
  target_compile_definitions(${target}_testhooks PRIVATE CTLSIGN_TEST_HOOKS=1)
  set_target_properties(${target}_testhooks PROPERTIES
    OUTPUT_NAME ${output} RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
endfunction()

ctlsign_testhooks_variant(ctlsign ctlsign-testhooks)
if(TARGET ctlsign_cluster_program)
  ctlsign_testhooks_variant(ctlsign_cluster_program ctlsign-cluster-testhooks)
endif()
