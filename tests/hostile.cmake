# Hostile input for the parser and verifier (tests/test_hostile.c).
ctlsign_unit_test(test_hostile)
