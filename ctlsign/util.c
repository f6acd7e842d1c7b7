/* util.c - bounded reads, atomic writes, wiping and reading secrets. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
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

	/*
	 * O_NONBLOCK: opening a FIFO must not wait for a writer (it is then
	 * refused as not a regular file). Regular files ignore the flag.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
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
/* The signal that interrupted a secret prompt, re-raised once echo is back. */
static volatile sig_atomic_t prompt_signal;

static void on_prompt_signal(int sig)
{
	prompt_signal = sig;
}

/*
 * read_line reads one line from fd into buf (NUL-terminated, without the
 * newline). Returns its length, -1 on EOF before a newline, -2 if the
 * line does not fit (the rest of it is read and dropped), -3 on an error
 * or a signal. Byte by byte: no stdio buffer keeps a copy of the secret.
 */
static ssize_t read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	int too_long = 0;

	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);

		if (r < 0 || prompt_signal != 0)
			return -3;
		if (r == 0 && n == 0 && !too_long)
			return -1;
		if (r == 0)
			break;
		if (c == '\n' || c == '\r')
			break;
		if (n + 1 < cap)
			buf[n++] = c;
		else
			too_long = 1;
	}
	buf[n] = '\0';
	return too_long ? -2 : (ssize_t)n;
}

char *ctl_read_secret(struct ctl_err *err, const char *prompt,
		      const char *env_name)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	const char *env = env_name != NULL ? getenv(env_name) : NULL;
	struct sigaction sa, old_sa[sizeof(sigs) / sizeof(sigs[0])];
	struct termios old, quiet;
	char buf[1024];
	char *s = NULL;
	ssize_t n;
	int fd, echo_off = 0;

	if (env != NULL) {
		s = strdup(env);
		if (s == NULL) {
			ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
			return NULL;
		}
		/*
		 * Taken once: wipe the value where the environment keeps it
		 * (for a variable we were started with, that is also what
		 * /proc/PID/environ shows) and drop the variable.
		 */
		burn((char *)env, strlen(env));
		unsetenv(env_name);
		return s;
	}
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		ctl_err_set(err, CTL_E_USAGE,
			    "no terminal to ask for the secret%s%s",
			    env_name ? "; set " : "", env_name ? env_name : "");
		return NULL;
	}
	/*
	 * Ctrl-C (or a hang-up) while echo is off must not leave the
	 * administrator's terminal blind: catch the signal, restore the
	 * terminal, then let the signal do what it would have done.
	 */
	prompt_signal = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_prompt_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, &old_sa[i]);
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	(void)!write(fd, prompt, strlen(prompt));
	n = read_line(fd, buf, sizeof(buf));
	if (echo_off)
		(void)tcsetattr(fd, TCSAFLUSH, &old);
	(void)!write(fd, "\n", 1);
	close(fd);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &old_sa[i], NULL);
	if (n >= 0) {
		s = strdup(buf);
		if (s == NULL)
			ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	} else if (n == -2) {
		ctl_err_set(err, CTL_E_USAGE, "the secret is longer than %zu characters; nothing was tried",
			    sizeof(buf) - 1);
	} else {
		ctl_err_set(err, CTL_E_USAGE, "no secret entered");
	}
	burn(buf, sizeof(buf));
	if (prompt_signal != 0) {
		burn_str(s);
		raise(prompt_signal);
		/* Ignored or handled elsewhere: give up on the prompt. */
		ctl_err_set(err, CTL_E_USAGE, "interrupted");
		return NULL;
	}
	return s;
}

/* A secret file holds a PIN or passphrase and a newline, never more. */
#define SECRET_FILE_MAX 1024

char *ctl_read_secret_file(struct ctl_err *err, const char *path)
{
	char buf[SECRET_FILE_MAX + 1];
	size_t len = 0, line;
	char *s = NULL;
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ctl_err_set(err, CTL_E_IO, "%s: cannot open: %s", path,
			    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ctl_err_set(err, CTL_E_IO, "%s: not a regular file", path);
		goto out;
	}
	if ((st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) != 0 ||
	    (st.st_uid != geteuid() && st.st_uid != 0)) {
		ctl_err_set(err, CTL_E_USAGE,
			    "%s: other users can read or change it; make it yours with mode 600",
			    path);
		goto out;
	}
	while (len < sizeof(buf)) {
		ssize_t r = read(fd, buf + len, sizeof(buf) - len);

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
	}
	if (len > SECRET_FILE_MAX) {
		ctl_err_set(err, CTL_E_FORMAT,
			    "%s: larger than %d bytes; not a secret file", path,
			    SECRET_FILE_MAX);
		goto out;
	}
	/* The first line only: a trailing CR/LF is not part of the secret. */
	for (line = 0; line < len && buf[line] != '\n' && buf[line] != '\r';)
		line++;
	if (memchr(buf, '\0', line) != NULL) {
		ctl_err_set(err, CTL_E_FORMAT, "%s: contains a NUL", path);
		goto out;
	}
	s = malloc(line + 1);
	if (s == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto out;
	}
	memcpy(s, buf, line);
	s[line] = '\0';
out:
	burn(buf, sizeof(buf));
	close(fd);
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
