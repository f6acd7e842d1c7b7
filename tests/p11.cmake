# PKCS#11 / SAST eToken tests, against SoftHSM2 through libp11 (the real
# path). Each test makes its own tokens with softhsm-fixtures/make-tokens.sh
# in its own temporary SOFTHSM2_CONF directory, so they run in parallel.
# The PIN-safety tests load tests/p11/shim.c, a pass-through module that
# adds the PIN-counter flags SoftHSM lacks (see the comment at its top).
pkg_check_modules(P11KIT_T REQUIRED p11-kit-1)
add_library(ctlsign_p11_shim MODULE ${CMAKE_CURRENT_SOURCE_DIR}/p11/shim.c)
target_include_directories(ctlsign_p11_shim PRIVATE ${P11KIT_T_INCLUDE_DIRS})
target_link_libraries(ctlsign_p11_shim PRIVATE ${CMAKE_DL_LIBS})
set_target_properties(ctlsign_p11_shim PROPERTIES PREFIX "" OUTPUT_NAME p11shim)

set(CTLSIGN_FIXTURES ${CMAKE_SOURCE_DIR}/softhsm-fixtures/make-tokens.sh)

ctlsign_unit_test(test_p11 ctlsign_tokens ctlsign_p11)
target_include_directories(test_p11 PRIVATE ${CMAKE_SOURCE_DIR})
target_compile_definitions(test_p11 PRIVATE FIXTURES="${CTLSIGN_FIXTURES}")
set_tests_properties(test_p11 PROPERTIES TIMEOUT 120 LABELS "unit;p11")

foreach(name p11_sign p11_export p11_errors p11_pin)
  add_test(NAME cli_${name}
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/p11/${name}.sh
            $<TARGET_FILE:ctlsign> ${CTLSIGN_TEST_DATA})
  set_tests_properties(cli_${name} PROPERTIES LABELS "cli;p11" TIMEOUT 120
    ENVIRONMENT "CTLSIGN_FIXTURES=${CTLSIGN_FIXTURES};CTLSIGN_SHIM=$<TARGET_FILE:ctlsign_p11_shim>")
endforeach()
