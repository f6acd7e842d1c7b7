/*
 * testhooks.h - the pause points of the test builds (ctlsign-testhooks,
 * built with CTLSIGN_TEST_HOOKS from the same sources as ctlsign, for
 * the tests that must hold a write or a distribution at a chosen point).
 * The release programs contain none of this.
 */
#ifndef CTLSIGN_TESTHOOKS_H
#define CTLSIGN_TESTHOOKS_H

/*
 * cmd_test_hooks_install reads CTLSIGN_TEST_PAUSE=STEP:NAME and
 * CTLSIGN_TEST_PAUSE_FILE=PATH (docs/ctlsign.1, docs/cluster.md
 * "Testing") and, if both are set, installs the engine's pause hook
 * (util.h): at the point STEP for NAME the process creates PATH and
 * waits, at most 60 s, until the test removes it.
 */
void cmd_test_hooks_install(void);

#endif
