/*
 * util.h - files written atomically, files read with a size bound,
 * secrets wiped, and secrets read without echo.
 */
#ifndef CTLSIGN_UTIL_H
#define CTLSIGN_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * ctl_read_file reads path into a malloc'd buffer (caller frees).
 * Fails with CTL_E_FORMAT if it is larger than max, CTL_E_IO if it cannot
 * be read, without reading past max + 1 bytes.
 */
int ctl_read_file(struct ctl_err *err, const char *path, size_t max,
		  uint8_t **out, size_t *out_len);
/*
 * ctl_read_file_st is ctl_read_file that also hands back what fstat said
 * of the very file it read (owner, mode), for a caller that must judge
 * who could have written it.
 */
struct stat;
int ctl_read_file_st(struct ctl_err *err, const char *path, size_t max,
		     uint8_t **out, size_t *out_len, struct stat *out_st);

/* One output file of ctl_write_atomic_set. */
struct ctl_out_file {
	const char *path;
	const uint8_t *data;
	size_t len;
	unsigned mode;           /* a new file's permission bits */
};

/*
 * ctl_write_atomic_set writes n files all or nothing, each through a
 * temporary PATH.tmp.XXXXXX beside it (written, fsync'd), then renamed
 * over its path, directories fsync'd. Before anything is written, every
 * target that exists must be a regular file: a symbolic link (never
 * followed, never replaced), a directory, a FIFO or a device is refused
 * by name (CTL_E_IO). A replaced file keeps its mode and, where the
 * process may (fchown), its owner and group; a new one gets mode.
 * On any failure every temporary file is removed and every path is as it
 * was: a rename that fails part way puts back the files already replaced
 * (from hard links to them, or copies where the file system has no hard
 * links, kept until the end). The temporary files are
 * listed for ctl_tmp_unlink_all while they exist; the signals SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT are held in the calling thread while a set
 * of several files is renamed, so that the set is never half replaced.
 */
int ctl_write_atomic_set(struct ctl_err *err, const struct ctl_out_file *files,
			 size_t n);

/* ctl_write_atomic is ctl_write_atomic_set of the one file path. */
int ctl_write_atomic(struct ctl_err *err, const char *path,
		     const uint8_t *data, size_t len, unsigned mode);

/*
 * ctl_tmp_unlink_all removes every temporary file that an atomic write
 * (in any thread) has in flight. Async-signal-safe: it only reads
 * lock-free atomics and calls unlink, for the program's signal handler
 * (the library installs none) before it re-raises the signal.
 */
void ctl_tmp_unlink_all(void);

/*
 * ctl_file_kind names the kind of file a stat mode says ("a FIFO", "a
 * directory", "a character device", ...), for messages that refuse it.
 */
const char *ctl_file_kind(unsigned mode);

/* burn wipes n bytes in a way the compiler may not optimise away. */
void burn(void *p, size_t n);
/* burn_free wipes n bytes at p and frees p; NULL is fine. */
void burn_free(void *p, size_t n);
/* burn_str wipes and frees a NUL-terminated secret; NULL is fine. */
void burn_str(char *s);

/*
 * ctl_secret_protect makes the process undumpable (prctl
 * PR_SET_DUMPABLE 0: no core file, no ptrace by the same user,
 * /proc/PID/environ and mem for root only) and sets RLIMIT_CORE to 0,
 * soft and hard, for the rest of its life. The secret readers call it
 * before they read anything; call it before holding a secret got
 * another way. Fails (CTL_E_INTERNAL) only if the kernel refuses.
 */
int ctl_secret_protect(struct ctl_err *err);

/*
 * The one policy for a secret (PIN, passphrase, password), whatever its
 * source: exactly one final "\n" or "\r\n" is dropped; any other control
 * character, or a space at the start or the end, is refused (CTL_E_USAGE,
 * "nothing was tried") before it can cost a token a PIN attempt. An
 * empty secret is returned as such (the caller decides). No message ever
 * contains the secret.
 */

/*
 * ctl_read_secret gets a secret (after ctl_secret_protect): from
 * environment variable env_name if set (for CI), else from a no-echo
 * prompt on /dev/tty. A variable is taken once, even when refused: it is
 * removed from environ[] and from the process's environment block (what
 * /proc/PID/environ shows), its bytes wiped; a getenv() result kept
 * across this call may then point elsewhere. Returns a malloc'd string
 * to be released with burn_str, or NULL with err set (CTL_E_USAGE when
 * there is no terminal and no variable, or the secret is refused).
 */
char *ctl_read_secret(struct ctl_err *err, const char *prompt,
		      const char *env_name);

/*
 * ctl_read_secret_file reads a secret (after ctl_secret_protect) from
 * path, the whole file under the policy above (one line and its line
 * end): a regular file (a FIFO is not waited on) of at most 1 KiB, owned
 * by the user or root and not readable or writable by others or writable
 * by the group (another user could otherwise make us spend a token's PIN
 * attempts), read into a buffer that is wiped. Release with burn_str.
 */
char *ctl_read_secret_file(struct ctl_err *err, const char *path);

/* ctl_hex writes n bytes as lower-case hex with sep between (0: none). */
void ctl_hex(char *out, const uint8_t *p, size_t n, char sep, int upper);

#endif
