/*
 * prompt.h - what of the terminal and of signals belongs to the program,
 * not to the engine: the no-echo prompt through which a person types a
 * PIN, passphrase or password, and the handlers that keep a signal from
 * leaving temporary files behind.
 */
#ifndef CTLSIGN_PROMPT_H
#define CTLSIGN_PROMPT_H

#include "util.h"

/*
 * cmd_tty_asker is the asker (util.h struct ctl_asker) that the commands
 * hand to the engine, to p11 and to the cluster code: a no-echo prompt
 * on /dev/tty, read byte by byte (no stdio buffer keeps a copy). Echo is
 * restored before it returns, and also when SIGINT, SIGTERM, SIGHUP or
 * SIGQUIT comes at the prompt: then the line is wiped and the signal
 * re-raised, which ends the process as the signal would have.
 */
extern const struct ctl_asker cmd_tty_asker;

/*
 * cmd_catch_signals makes every signal that would end the process
 * (faults aside) first remove the atomic writes' temporary files
 * (ctl_tmp_unlink_all), then end it as the signal would have; an
 * ignored signal stays ignored. SIGPIPE and SIGXFSZ become failed
 * writes. Called once, first thing in main.
 */
void cmd_catch_signals(void);

#endif
