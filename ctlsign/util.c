/* util.c - bounded reads, atomic writes, wiping and reading secrets. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "util.h"

void burn(void *p, size_t n)
{
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}

void burn_free(void *p, size_t n)
{
	burn(p, n);
	free(p);
}

void burn_str(char *s)
{
	if (s != NULL)
		burn_free(s, strlen(s));
}

int ctl_read_file(struct ctl_err *err, const char *path, size_t max,
		  uint8_t **out, size_t *out_len)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int fd = -1, ok = 0;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ctl_err_set(err, CTL_E_IO, "%s: cannot open: %s", path,
			    strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ctl_err_set(err, CTL_E_IO, "%s: not a regular file", path);
		goto out;
	}
	if ((uintmax_t)st.st_size > max) {
		ctl_err_set(err, CTL_E_FORMAT,
			    "%s: file of %jd bytes is larger than the %zu-byte limit",
			    path, (intmax_t)st.st_size, max);
		goto out;
	}
	/* Read to EOF, not to st_size: the file may change under us. */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (buf == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		size_t want = cap - len;
		ssize_t r = read(fd, buf + len, want);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ctl_err_set(err, CTL_E_IO, "%s: read failed: %s", path,
				    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max) {
			ctl_err_set(err, CTL_E_FORMAT,
				    "%s: file is larger than the %zu-byte limit",
				    path, max);
			goto out;
		}
		/*
		 * A regular file reads short only at its end: stop there
		 * rather than pay another read to see 0.
		 */
		if ((size_t)r < want)
			break;
		if (len == cap) {
			uint8_t *p;

			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			p = realloc(buf, cap);
			if (p == NULL) {
				ctl_err_set(err, CTL_E_INTERNAL,
					    "%s: out of memory", path);
				goto out;
			}
			buf = p;
		}
	}
	*out = buf;
	*out_len = len;
	buf = NULL;
	ok = 1;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ok;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 0;
		p += w;
		n -= (size_t)w;
	}
	return 1;
}

int ctl_write_atomic(struct ctl_err *err, const char *path,
		     const uint8_t *data, size_t len, unsigned mode)
{
	char *dircopy = NULL, *tmp = NULL;
	const char *dir;
	int fd = -1, dfd = -1, ok = 0;
	size_t tlen;

	dircopy = strdup(path);
	tlen = strlen(path) + 32;
	tmp = malloc(tlen);
	if (dircopy == NULL || tmp == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "%s: out of memory", path);
		goto out;
	}
	dir = dirname(dircopy);
	/* Beside the target, so rename() stays on one file system. */
	snprintf(tmp, tlen, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		ctl_err_set(err, CTL_E_IO, "%s: cannot create temporary file: %s",
			    path, strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	if (fchmod(fd, mode) != 0 || !write_all(fd, data, len) ||
	    fsync(fd) != 0) {
		ctl_err_set(err, CTL_E_IO, "%s: write failed: %s", path,
			    strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		ctl_err_set(err, CTL_E_IO, "%s: write failed: %s", path,
			    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		ctl_err_set(err, CTL_E_IO, "%s: cannot replace: %s", path,
			    strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
	/* Make the rename itself durable. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	ok = 1;
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL && tmp[0] != '\0')
		unlink(tmp);
	free(tmp);
	free(dircopy);
	return ok;
}

/* Strips a trailing "\n" or "\r\n". */
static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

char *ctl_read_secret(struct ctl_err *err, const char *prompt,
		      const char *env_name)
{
	const char *env = env_name != NULL ? getenv(env_name) : NULL;
	struct termios old, quiet;
	char buf[256];
	char *s = NULL;
	FILE *tty = NULL;
	int echo_off = 0;

	if (env != NULL) {
		s = strdup(env);
		if (s == NULL)
			ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		return s;
	}
	tty = fopen("/dev/tty", "r+");
	if (tty == NULL) {
		ctl_err_set(err, CTL_E_USAGE,
			    "no terminal to ask for the secret%s%s",
			    env_name ? "; set " : "", env_name ? env_name : "");
		return NULL;
	}
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		echo_off = tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0;
	}
	fputs(prompt, tty);
	fflush(tty);
	if (fgets(buf, sizeof(buf), tty) == NULL) {
		ctl_err_set(err, CTL_E_USAGE, "no secret entered");
	} else {
		chomp(buf);
		s = strdup(buf);
		if (s == NULL)
			ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	}
	burn(buf, sizeof(buf));
	if (echo_off)
		(void)tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputs("\n", tty);
	fclose(tty);
	return s;
}

char *ctl_read_secret_file(struct ctl_err *err, const char *path)
{
	uint8_t *data = NULL;
	size_t len = 0;
	char *s;

	if (!ctl_read_file(err, path, 4096, &data, &len))
		return NULL;
	s = malloc(len + 1);
	if (s == NULL) {
		burn_free(data, len);
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		return NULL;
	}
	memcpy(s, data, len);
	s[len] = '\0';
	burn_free(data, len);
	/* The first line only: a trailing newline is not part of the PIN. */
	s[strcspn(s, "\r\n")] = '\0';
	return s;
}

void ctl_hex(char *out, const uint8_t *p, size_t n, char sep, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		if (sep != 0 && i > 0)
			*out++ = sep;
		*out++ = digits[p[i] >> 4];
		*out++ = digits[p[i] & 15];
	}
	*out = '\0';
}
