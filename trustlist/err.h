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

/*
 * What went wrong, for code that must decide (ask the user to accept a
 * host key, retry, say "timeout"): callers switch on the kind, never
 * on the message text. The code still chooses the exit status. The one
 * list of kinds; add a value here, with its comment, when a caller
 * needs to tell a new case apart.
 */
enum ctl_err_kind {
	CTL_K_NONE = 0,          /* not classified (the default) */
	CTL_K_HOSTKEY_UNKNOWN,   /* a node's host key is not in known_hosts */
	CTL_K_HOSTKEY_CHANGED,   /* a node offers another key (or key type) than recorded */
	CTL_K_HOSTKEY_REFUSED,   /* the key could not be checked or recorded (known_hosts unusable) */
	CTL_K_AUTH,              /* the node refused our credentials */
	CTL_K_CONNECT,           /* cannot connect, or the connection or channel was lost */
	CTL_K_TIMEOUT,           /* no answer within the timeout, or a command overran its total bound */
	CTL_K_PROTOCOL,          /* the node answered, but not as expected (CLI text, SFTP reply) */
	CTL_K_PROMPT,            /* the node's CLI asks a question ctlsign does not answer */
	CTL_K_REFUSED,           /* the node refused an operation (permission, disk full, rename) */
	CTL_K_MANUAL,            /* a node ctlsign cannot write: a person's step is needed */
};

struct ctl_err {
	enum ctl_code code;
	enum ctl_err_kind kind;  /* CTL_K_NONE unless the layer that failed knows */
	long long offset;        /* byte offset in the input file; -1: none */
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
 * ctl_err_setk is ctl_err_set that also records the kind (for the first
 * error only, like the message).
 */
int ctl_err_setk(struct ctl_err *err, enum ctl_code code, enum ctl_err_kind kind,
		 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * ctl_err_set_at is ctl_err_set that also records the byte offset in the
 * input file the message names (for the first error only): JSON's
 * error.offset.
 */
int ctl_err_set_at(struct ctl_err *err, enum ctl_code code, size_t off,
		   const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

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
