# Phone-trust scenarios (issue 8): `ctlsign check`, `sgn verify --ctl/--itl`
# and `build --from` judged against the seed notes' scenarios, each built
# from certificates made by tests/trust/make-pki.sh in the test's own
# temporary directory. Label `trust`.
# One script per scenario, a_*.sh to i_*.sh, and x_inputs.sh (lib.sh and
# make-pki.sh are sourced or run by them).
file(GLOB CTLSIGN_TRUST_SCRIPTS ${CMAKE_CURRENT_SOURCE_DIR}/trust/[a-z]_*.sh)
foreach(script ${CTLSIGN_TRUST_SCRIPTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME trust_${name}
    COMMAND sh ${script} $<TARGET_FILE:ctlsign> ${CTLSIGN_TEST_DATA})
  set_tests_properties(trust_${name} PROPERTIES LABELS trust TIMEOUT 120
    SKIP_RETURN_CODE 77)
endforeach()
