/*
 * cmd.h - the commands of the ctlsign tool. Each parses its options,
 * calls the library, renders the result and returns the exit status.
 */
#ifndef CTLSIGN_CMD_H
#define CTLSIGN_CMD_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"

int cmd_build(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_sgn(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_tokens(int argc, char **argv);
int cmd_cluster(int argc, char **argv);

/* cmd_fail prints "ctlsign: MSG" for err and returns its exit status. */
int cmd_fail(const struct ctl_err *err);
/*
 * cmd_print prints formatted text to out through the one sanitizer
 * (text.h), line ends kept: for text output that holds names, paths or
 * messages from outside.
 */
void cmd_print(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* cmd_warn prints "ctlsign: warning: ..." on stderr. */
void cmd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cmd_usage_error prints "ctlsign: CMD: MSG" and a --help hint; returns 2. */
int cmd_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * cmd_bad_option reports the option getopt_long just refused (opterr is
 * off) as a usage error of cmd; returns 2.
 */
int cmd_bad_option(const char *cmd, char *const *argv);

/* cmd_parse_digest maps "sha1" / "sha256" / "sha512" to a digest code. */
int cmd_parse_digest(const char *s, uint8_t *out);
/*
 * cmd_timestamp picks the TIMESTAMP: opt (--timestamp) if given, else
 * SOURCE_DATE_EPOCH, else now. Returns 0 on a bad number.
 */
int cmd_timestamp(const char *opt, uint32_t *out);
/* cmd_basename returns the part of path after its last '/'. */
const char *cmd_basename(const char *path);

#endif
