# `ctlsign migrate` (issue 9): the plans end to end, with an interruption
# at every step followed by resume. Label `migrate`.
#   local.sh    local TFTP roots: signer-change, mixed-mode (no root needed)
#   cluster.sh  the loopback cluster of tests/cluster (root, sshd, tftpd)
#   etoken.sh   to-etoken with SoftHSM2 tokens, local and on the cluster
add_test(NAME migrate_local
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/migrate/local.sh
          $<TARGET_FILE:ctlsign> ${CTLSIGN_TEST_DATA})
set_tests_properties(migrate_local PROPERTIES LABELS "migrate;cli" TIMEOUT 300
  SKIP_RETURN_CODE 77)
add_test(NAME migrate_cluster
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/migrate/cluster.sh
          $<TARGET_FILE:ctlsign> ${CTLSIGN_TEST_DATA})
set_tests_properties(migrate_cluster PROPERTIES LABELS "migrate;cluster" TIMEOUT 400
  SKIP_RETURN_CODE 77)
add_test(NAME migrate_etoken
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/migrate/etoken.sh
          $<TARGET_FILE:ctlsign> ${CTLSIGN_TEST_DATA})
set_tests_properties(migrate_etoken PROPERTIES LABELS "migrate;p11" TIMEOUT 400
  SKIP_RETURN_CODE 77
  ENVIRONMENT "CTLSIGN_FIXTURES=${CMAKE_SOURCE_DIR}/softhsm-fixtures/make-tokens.sh")
add_test(NAME migrate_demo
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/migrate/demo.sh
          $<TARGET_FILE:ctlsign> ${CTLSIGN_TEST_DATA})
set_tests_properties(migrate_demo PROPERTIES LABELS "migrate;p11" TIMEOUT 300
  SKIP_RETURN_CODE 77)
#   etoken_cluster.sh  to-etoken and to-tokenless on the loopback cluster
#                      with SoftHSM2 tokens (root, sshd, tftpd, SoftHSM2)
add_test(NAME migrate_etoken_cluster
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/migrate/etoken_cluster.sh
          $<TARGET_FILE:ctlsign> ${CTLSIGN_TEST_DATA})
set_tests_properties(migrate_etoken_cluster PROPERTIES LABELS "migrate;cluster;p11"
  TIMEOUT 600 SKIP_RETURN_CODE 77
  ENVIRONMENT "CTLSIGN_FIXTURES=${CMAKE_SOURCE_DIR}/softhsm-fixtures/make-tokens.sh")
