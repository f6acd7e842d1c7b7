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
 * ctl_write_atomic writes data to path through a temporary file in the
 * same directory: written, fsync'd, renamed over path, directory fsync'd.
 * On any failure the temporary file is removed and path is untouched.
 * mode is the new file's permission bits.
 */
int ctl_write_atomic(struct ctl_err *err, const char *path,
		     const uint8_t *data, size_t len, unsigned mode);

/* burn wipes n bytes in a way the compiler may not optimise away. */
void burn(void *p, size_t n);
/* burn_free wipes n bytes at p and frees p; NULL is fine. */
void burn_free(void *p, size_t n);
/* burn_str wipes and frees a NUL-terminated secret; NULL is fine. */
void burn_str(char *s);

/*
 * ctl_read_secret gets a secret: from environment variable env_name if
 * set (for CI; the variable's value is then wiped and the variable
 * removed), else from a no-echo prompt on /dev/tty. Returns a
 * malloc'd string to be released with burn_str, or NULL with err set
 * (CTL_E_USAGE when there is no terminal and no variable).
 */
char *ctl_read_secret(struct ctl_err *err, const char *prompt,
		      const char *env_name);

/*
 * ctl_read_secret_file reads a secret from the first line of path
 * (trailing CR/LF dropped): a regular file (a FIFO is not waited on) of
 * at most 1 KiB, owned by the user or root and not readable or writable
 * by others or writable by the group (another user could otherwise make
 * us spend a token's PIN attempts), read into a buffer that is wiped.
 * Release with burn_str.
 */
char *ctl_read_secret_file(struct ctl_err *err, const char *path);

/* ctl_hex writes n bytes as lower-case hex with sep between (0: none). */
void ctl_hex(char *out, const uint8_t *p, size_t n, char sep, int upper);

#endif
