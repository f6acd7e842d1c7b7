/*
 * util.h - files written atomically, files read with a size bound,
 * secrets wiped, and secrets read under one policy. No terminal: a
 * person is asked through the program's struct ctl_asker.
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
/*
 * ctl_read_file_at is ctl_read_file_st of name relative to the open
 * directory dirfd (AT_FDCWD: the working directory); messages name the
 * file path. A directory's files are read by name, without walking the
 * directory's path again for each one.
 */
int ctl_read_file_at(struct ctl_err *err, int dirfd, const char *name,
		     const char *path, size_t max, uint8_t **out,
		     size_t *out_len, struct stat *out_st);

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
 * listed for ctl_tmp_unlink_all while they exist. While a set of several
 * files is renamed, every signal but the faults is blocked in the calling
 * thread (a mask, no handler), so that the set is never half replaced.
 */
int ctl_write_atomic_set(struct ctl_err *err, const struct ctl_out_file *files,
			 size_t n);

/* ctl_write_atomic is ctl_write_atomic_set of the one file path. */
int ctl_write_atomic(struct ctl_err *err, const char *path,
		     const uint8_t *data, size_t len, unsigned mode);

/*
 * ctl_tmp_unlink_all removes every temporary file that an atomic write
 * (in any thread) has in flight, and every directory of ctl_tmp_mkdir
 * with what is in it. Async-signal-safe: it only reads lock-free atomics
 * and calls unlink, open, getdents64, unlinkat and rmdir, for the program's signal handler
 * (the library installs none) before it re-raises the signal.
 */
void ctl_tmp_unlink_all(void);

/* The atomic writer's temporary names are PATH + this many bytes (".tmp.XXXXXX"). */
#define CTL_TMP_SUFFIX_LEN 11

/*
 * ctl_tmp_mkdir makes a new directory PATH.tmp.XXXXXX (mode 0700) beside
 * path and lists it for ctl_tmp_unlink_all, which removes it and the
 * files in it, until ctl_tmp_forget. Its name goes to out (cap bytes).
 * Returns its slot (>= 0), or -1 with err set (CTL_E_IO).
 */
int ctl_tmp_mkdir(struct ctl_err *err, const char *path, char *out, size_t cap);

/* ctl_tmp_forget stops listing the directory of slot (renamed or removed); -1 is fine. */
void ctl_tmp_forget(int slot);

/*
 * ctl_file_kind names the kind of file a stat mode says ("a FIFO", "a
 * directory", "a character device", ...), for messages that refuse it.
 */
const char *ctl_file_kind(unsigned mode);

/*
 * ctl_owner_safe: may obj (the file or directory name, as stat'ed in st)
 * be trusted, as OpenSSH's StrictModes decides: owned by the user or
 * root and not writable by group or others. The error (CTL_E_USAGE)
 * names path and obj, says why (what another user could do) and how to
 * fix it.
 */
int ctl_owner_safe(struct ctl_err *err, const char *path, const char *obj,
		   const char *name, const struct stat *st, const char *why);

/*
 * ctl_program_safe: may the program or library at path be run or loaded,
 * by the same rule: it (through symbolic links) is a regular file, and
 * it and the directory holding it (the one named and the one it
 * resolves to) pass ctl_owner_safe. The error names path and says why.
 */
int ctl_program_safe(struct ctl_err *err, const char *path);

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

/* What came of asking a person for a secret (struct ctl_asker). */
enum ctl_ask_result {
	CTL_ASK_OK,          /* buf holds the line typed, its line end kept */
	CTL_ASK_NO_TERMINAL, /* there is nobody to ask */
	CTL_ASK_NOTHING,     /* end of input, or a read error, before a line */
	CTL_ASK_TOO_LONG,    /* the line did not fit; the rest was read and dropped */
	CTL_ASK_INTERRUPTED, /* a signal came and was re-raised, and did not end us */
};

/*
 * struct ctl_asker is how the program asks a person for a secret: the
 * engine has no terminal. ask shows prompt (printable text), reads one
 * line into buf (cap bytes, NUL-terminated, its line end kept so that
 * the one policy applies to it), sets *out_len and says how it went.
 * buf belongs to the caller, who wipes it; ask keeps no other copy of
 * what was typed and wipes buf itself before it re-raises a signal.
 */
struct ctl_asker {
	enum ctl_ask_result (*ask)(void *ctx, char *buf, size_t cap,
				   size_t *out_len, const char *prompt);
	void *ctx;
};

/*
 * ctl_read_secret gets a secret (after ctl_secret_protect): from
 * environment variable env_name if set (for CI), else from asker (the
 * program's no-echo prompt; NULL: nobody to ask). A variable is taken
 * once, even when refused: it is removed from environ[] and from the
 * process's environment block (what /proc/PID/environ shows), its bytes
 * wiped; a getenv() result kept across this call may then point
 * elsewhere. Returns a malloc'd string to be released with burn_str, or
 * NULL with err set (CTL_E_USAGE when there is nobody to ask and no
 * variable, or the secret is refused, too long, not given or interrupted).
 */
char *ctl_read_secret(struct ctl_err *err, const struct ctl_asker *asker,
		      const char *prompt, const char *env_name);

/*
 * ctl_read_secret_file reads a secret (after ctl_secret_protect) from
 * path, the whole file under the policy above (one line and its line
 * end): a regular file (a FIFO is not waited on) of at most 1 KiB, owned
 * by the user or root and not readable or writable by others or writable
 * by the group (another user could otherwise make us spend a token's PIN
 * attempts), read into a buffer that is wiped. Release with burn_str.
 */
char *ctl_read_secret_file(struct ctl_err *err, const char *path);

/*
 * Pause points, for tests only. Code names a point where a test may hold
 * the process, by a step and a name: "write" and the base name of a
 * file that an atomic write is about to rename into place (every
 * temporary file written, nothing renamed), "upload" or "commit" and a
 * node's name in a cluster distribution (docs/cluster.md "Testing").
 * ctl_pause_wanted asks whether a hold is wanted there, ctl_pause_hold
 * holds. Without a hook both do nothing, and only test builds install
 * one: ctlsign-testhooks (ctlsign/testhooks.c, CTLSIGN_TEST_HOOKS) and
 * unit tests; the release programs never call ctl_pause_set_hook.
 */
struct ctl_pause_hook {
	int (*wanted)(void *ctx, const char *step, const char *name);
	void (*hold)(void *ctx);  /* returns when the test lets go */
	void *ctx;
};

/*
 * ctl_pause_set_hook installs *h (copied; NULL: none), before any thread
 * that may reach a pause point starts.
 */
void ctl_pause_set_hook(const struct ctl_pause_hook *h);
/* ctl_pause_wanted: does the hook want a hold at step for name? */
int ctl_pause_wanted(const char *step, const char *name);
/* ctl_pause_hold holds as the hook says; nothing without a hook. */
void ctl_pause_hold(void);

/* ctl_hex writes n bytes as lower-case hex with sep between (0: none). */
void ctl_hex(char *out, const uint8_t *p, size_t n, char sep, int upper);

#endif
