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
/*
 * cmd_build_preview is `ctlsign build ARGS` laid out without signing
 * (ctl_signer_unsigned: no key, no PIN, no login) and without writing:
 * *out gets the bytes (malloc'd), for `migrate --dry-run` to judge. An
 * OLD of --from is not verified (it may be a preview). Returns build's
 * exit status; its errors are printed as build prints them.
 */
int cmd_build_preview(int argc, char **argv, uint8_t **out, size_t *out_len);
int cmd_show(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_sgn(int argc, char **argv);
/* cmd_enc.c: `sgn encrypt` and `sgn decrypt` (called from cmd_sgn). */
int cmd_sgn_encrypt(int argc, char **argv);
int cmd_sgn_decrypt(int argc, char **argv);
struct ctl_elem;
struct ctl_file;
/* cmd_enc_show_elem prints an encryption element's value (tags 16-27) for show. */
void cmd_enc_show_elem(FILE *out, const struct ctl_elem *e);
/* cmd_enc_show_summary / _json: show's lines (JSON members) for an encrypted file or its stub. */
void cmd_enc_show_summary(FILE *out, const char *path, const struct ctl_file *f);
/* (_json sets the members "encryption" and "stub_cert_hash" of show's file object.) */
struct json_t;
void cmd_enc_show_json(struct json_t *file, const char *path, const struct ctl_file *f);
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

/*
 * cmd_parse_uint reads a decimal number of at most max: digits only (no
 * sign, no blanks, nothing after), no overflow. cmd_parse_version reads
 * MAJOR.MINOR, each 0..255. Both return 0 on anything else.
 */
int cmd_parse_uint(const char *s, unsigned long max, unsigned long *out);
int cmd_parse_version(const char *s, uint8_t *major, uint8_t *minor);
/* cmd_parse_digest maps "sha1" / "sha256" / "sha512" to a digest code. */
int cmd_parse_digest(const char *s, uint8_t *out);
/*
 * cmd_timestamp picks the TIMESTAMP: opt (--timestamp) if given, else
 * SOURCE_DATE_EPOCH, else now. Returns 0 on a bad number.
 */
int cmd_timestamp(const char *opt, uint32_t *out);
/* cmd_basename returns the part of path after its last '/'. */
const char *cmd_basename(const char *path);
/*
 * cmd_key_signer loads the signer of the PEM key file key (a passphrase
 * asked on the terminal) and its certificate cert, and prints the key
 * file's warning (others can read it), if any. NULL with err set.
 */
struct ctl_signer;
struct ctl_err;
struct ctl_signer *cmd_key_signer(struct ctl_err *err, const char *key, const char *cert);
/*
 * cmd_shell_word writes w to out as one word of a POSIX shell command,
 * quoted only when it must be (the command lines a person may paste).
 * The caller sanitizes the text it writes to a terminal.
 */
void cmd_shell_word(FILE *out, const char *w);
int cmd_migrate(int argc, char **argv);

/*
 * Phone trust, rendered one way for `check` and `build --from`
 * (cmd_check.c). cmd_trust_line writes "phones CLASS: VERDICT: reason"
 * for one verdict; cmd_trust_status is the exit status the verdicts of
 * steps make (check's 0/10/11/12/13); cmd_load_trust_store reads
 * --trust-store DIR (release with ctl_trust_store_free).
 */
struct ctl_trust_verdict;
struct ctl_trust_step;
struct ctl_trust_store;
void cmd_trust_line(char *out, size_t n, int phone, const struct ctl_trust_verdict *v);
int cmd_trust_status(const struct ctl_trust_step *st, size_t n);
struct ctl_trust_store *cmd_load_trust_store(struct ctl_err *err, const char *dir);

#endif
