# Shell tests that drive the built binary (tests/cli/*.sh): exit codes,
# one-line errors, atomic output. Each script gets the binary and
# tests/data, and works in a temporary directory of its own.
foreach(name verify_hostile verify_many build_atomic help secret_prompt json_schema
             output_files verify_dir text_hostile cluster_files completion
             testhooks sgn_selfcheck enc verify_jobs cluster_exec man_options show_listing input_messages
             numbers)
  add_test(NAME cli_${name}
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/${name}.sh
            $<TARGET_FILE:ctlsign> ${CTLSIGN_TEST_DATA})
  set_tests_properties(cli_${name} PROPERTIES LABELS cli TIMEOUT 120
    SKIP_RETURN_CODE 77)
endforeach()

# Forged and tampered trust lists (issue 7): never verified, built on,
# accepted by check or distributed. ctlsign_forge writes them.
add_test(NAME cli_forgery
  COMMAND ${CMAKE_COMMAND} -E env FORGE=$<TARGET_FILE:ctlsign_forge>
          sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/forgery.sh
          $<TARGET_FILE:ctlsign> ${CTLSIGN_TEST_DATA})
set_tests_properties(cli_forgery PROPERTIES LABELS cli TIMEOUT 120)

# `tokens export` of several certificates is all or nothing: against
# SoftHSM2 tokens from softhsm-fixtures, as the tests/p11 scripts.
add_test(NAME cli_export_atomic
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/export_atomic.sh
          $<TARGET_FILE:ctlsign> ${CTLSIGN_TEST_DATA})
set_tests_properties(cli_export_atomic PROPERTIES LABELS "cli;p11" TIMEOUT 120
  ENVIRONMENT "CTLSIGN_FIXTURES=${CMAKE_SOURCE_DIR}/softhsm-fixtures/make-tokens.sh")
