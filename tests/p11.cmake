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

# Test fixtures, never installed: PKCS#11 modules broken in one way each
# (tests/p11/broken.c says how), to prove that a broken module is exit 4
# with a message naming it, not a crash inside libp11.
set(CTLSIGN_BROKEN_KINDS NULL_LIST LIST_ERROR NO_SYMBOL NULL_SLOTLIST
    NULL_SIGN VERSION HUGE_SLOTS SLOTS_ERROR LIE_SLOTS_HUGE LIE_SLOTS_GROW
    LIE_FIND LIE_ATTR_LONG LIE_ATTR_SIZE LIE_SIGN_LONG)
set(CTLSIGN_BROKEN_ENV "")
set(CTLSIGN_BROKEN_DEFS "")
foreach(kind ${CTLSIGN_BROKEN_KINDS})
  string(TOLOWER ${kind} lkind)
  add_library(ctlsign_p11_broken_${lkind} MODULE ${CMAKE_CURRENT_SOURCE_DIR}/p11/broken.c)
  target_compile_definitions(ctlsign_p11_broken_${lkind} PRIVATE BROKEN_${kind})
  target_include_directories(ctlsign_p11_broken_${lkind} PRIVATE ${P11KIT_T_INCLUDE_DIRS})
  target_link_libraries(ctlsign_p11_broken_${lkind} PRIVATE ${CMAKE_DL_LIBS})
  set_target_properties(ctlsign_p11_broken_${lkind} PROPERTIES PREFIX ""
    OUTPUT_NAME p11broken_${lkind})
  list(APPEND CTLSIGN_BROKEN_DEFS
    BROKEN_${kind}="$<TARGET_FILE:ctlsign_p11_broken_${lkind}>")
endforeach()
set(CTLSIGN_BROKEN_DIR $<TARGET_FILE_DIR:ctlsign_p11_broken_null_list>)

set(CTLSIGN_FIXTURES ${CMAKE_SOURCE_DIR}/softhsm-fixtures/make-tokens.sh)

ctlsign_unit_test(test_p11 ctlsign_tokens ctlsign_p11)
target_include_directories(test_p11 PRIVATE ${CMAKE_SOURCE_DIR})
target_compile_definitions(test_p11 PRIVATE FIXTURES="${CTLSIGN_FIXTURES}"
  ${CTLSIGN_BROKEN_DEFS})
set_tests_properties(test_p11 PROPERTIES TIMEOUT 120 LABELS "unit;p11")
# p11.c finds its PKCS#11 guard beside the running executable (or
# installed): test_p11 gets a link to the build's guard beside it.
add_custom_command(TARGET test_p11 POST_BUILD
  COMMAND ${CMAKE_COMMAND} -E create_symlink
          $<TARGET_FILE:ctlsign_p11guard>
          $<TARGET_FILE_DIR:test_p11>/$<TARGET_FILE_NAME:ctlsign_p11guard>)

# p11_secrets also covers key-file passphrases (secrets, not tokens).
foreach(name p11_sign p11_export p11_errors p11_pin p11_secrets p11_proxy
             p11_enc p11_uri etoken_resign)
  add_test(NAME cli_${name}
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/p11/${name}.sh
            $<TARGET_FILE:ctlsign> ${CTLSIGN_TEST_DATA})
  set_tests_properties(cli_${name} PROPERTIES LABELS "cli;p11" TIMEOUT 180
    ENVIRONMENT "CTLSIGN_FIXTURES=${CTLSIGN_FIXTURES};CTLSIGN_SHIM=$<TARGET_FILE:ctlsign_p11_shim>;CTLSIGN_BROKEN_DIR=${CTLSIGN_BROKEN_DIR}")
endforeach()
