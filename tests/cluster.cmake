# The configuration parser, with hostile files.
ctlsign_unit_test(test_cluster ctlsign_cluster)
target_compile_definitions(test_cluster PRIVATE SOURCE_DIR="${CMAKE_SOURCE_DIR}")

# Cluster tests against real servers (tests/cluster/): each script starts
# its own sshd and tftpd-hpa instances on 127.0.NET.x (its own NET, so
# they run in parallel), drives `ctlsign cluster`, and stops them. They
# need root (to run sshd and mount a tmpfs); elsewhere they skip (77).
set(CTLSIGN_CLUSTER_TESTS
  status
  distribute
  cli
  hostile
  manual
  rerun
  restart
  "failures down"
  "failures hostkey"
  "failures perm"
  "failures full"
  "failures cut-upload"
  "failures cut-commit"
  "failures tftp-dead"
  "failures hang"
  "failures hang-commit"
  "failures signal"
  "failures rollback-fails"
  "failures session-lost")
foreach(spec IN LISTS CTLSIGN_CLUSTER_TESTS)
  separate_arguments(parts UNIX_COMMAND "${spec}")
  list(GET parts 0 script)
  set(args ${parts})
  list(REMOVE_AT args 0)
  string(REPLACE " " "_" name "${spec}")
  add_test(NAME cluster_${name}
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cluster/${script}.sh
            $<TARGET_FILE:ctlsign> ${CTLSIGN_TEST_DATA} ${args})
  set_tests_properties(cluster_${name} PROPERTIES LABELS cluster TIMEOUT 240
    SKIP_RETURN_CODE 77)
endforeach()

# A config reader that blocks (a FIFO) must fail, not hang the suite.
set_tests_properties(test_cluster PROPERTIES TIMEOUT 120)
