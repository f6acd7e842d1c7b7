/*
 * err.h - how the library reports failure: it never prints and never
 * exits; it records a code and one line in a ctl_err and returns.
 * Only the command layer prints and maps the code to an exit status.
 */
#ifndef CTLSIGN_ERR_H
#define CTLSIGN_ERR_H

#include <stddef.h>

/*
 * Error classes, each with its documented exit code (docs/ctlsign.1).
 * Keep this list and ctl_exit_code() in step.
 */
enum ctl_code {
	CTL_OK = 0,
	CTL_E_VERIFY = 1,    /* signature or signer invalid */
	CTL_E_FORMAT = 2,    /* malformed input file, bad certificate */
	CTL_E_USAGE = 3,     /* bad command line or configuration */
	CTL_E_IO = 4,        /* cannot read or write a file */
	CTL_E_TOKEN = 5,     /* PKCS#11 token, PIN or key problem */
	CTL_E_REMOTE = 6,    /* SSH/SFTP/TFTP: node unreachable, host key, transfer */
	CTL_E_INTERNAL = 7,  /* out of memory, OpenSSL failure */
};

struct ctl_err {
	enum ctl_code code;
	char msg[512];
};

/* ctl_err_init clears err. */
void ctl_err_init(struct ctl_err *err);

/*
 * ctl_err_set records the first error; later calls do not overwrite it,
 * so the innermost, most specific message wins. Returns 0 so callers can
 * write `return ctl_err_set(...)` in an int 1/0 function.
 */
int ctl_err_set(struct ctl_err *err, enum ctl_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * ctl_err_prefix puts "prefix: " before an already recorded message, to
 * add context (a file name, a host) at the layer that knows it.
 */
void ctl_err_prefix(struct ctl_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ctl_err_openssl records code with msg and OpenSSL's last error reason. */
int ctl_err_openssl(struct ctl_err *err, enum ctl_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * ctl_exit_code maps an error class to the process exit status:
 * 0 ok, 1 verification failed, 2 malformed input or usage, 3 I/O,
 * 4 token/PIN, 5 remote node, 6 internal.
 */
int ctl_exit_code(enum ctl_code code);

#endif
