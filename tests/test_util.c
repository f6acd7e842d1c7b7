/*
 * test_util.c - bounded file reads and secrets from the environment:
 * ctl_read_file at and around its limit, on empty files, directories and
 * FIFOs; ctl_read_secret taking a CI secret once and leaving no copy of
 * it in the environment, and applying the one policy to what the
 * program's asker hands it; atomic writes, held at their pause point.
 */
#include "testutil.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct fx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/ctlsign-util.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof(fx->path), "%s/f", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	unlink(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void write_n(const char *path, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		fputc((int)(i % 251), f);
	assert_int_equal(fclose(f), 0);
}

/* Sizes 0, 1, max-1, max are read whole; max+1 is refused as too large. */
static void test_read_file_limits(void **state)
{
	struct fx *fx = *state;
	const size_t max = 4096;
	const size_t sizes[] = { 0, 1, max - 1, max };
	struct ctl_err err;
	uint8_t *buf;
	size_t len;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		write_n(fx->path, sizes[i]);
		ctl_err_init(&err);
		buf = NULL;
		assert_true(ctl_read_file(&err, fx->path, max, &buf, &len));
		assert_int_equal(len, sizes[i]);
		for (size_t k = 0; k < len; k++)
			assert_int_equal(buf[k], k % 251);
		free(buf);
	}
	write_n(fx->path, max + 1);
	ctl_err_init(&err);
	buf = NULL;
	assert_false(ctl_read_file(&err, fx->path, max, &buf, &len));
	assert_int_equal(err.code, CTL_E_FORMAT);
	assert_non_null(strstr(err.msg, "larger than the 4096-byte limit"));
	assert_null(buf);
}

/* A directory and a FIFO are refused at once (a FIFO is not waited on). */
static void test_read_file_not_regular(void **state)
{
	struct fx *fx = *state;
	struct ctl_err err;
	uint8_t *buf = NULL;
	size_t len;

	ctl_err_init(&err);
	assert_false(ctl_read_file(&err, fx->dir, 4096, &buf, &len));
	assert_int_equal(err.code, CTL_E_IO);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_int_equal(mkfifo(fx->path, 0600), 0);
	ctl_err_init(&err);
	assert_false(ctl_read_file(&err, fx->path, 4096, &buf, &len));
	assert_int_equal(err.code, CTL_E_IO);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_null(buf);
}

/* A CI secret is taken once: the value is returned, the variable gone. */
static void test_secret_from_env(void **state)
{
	struct ctl_err err;
	char *s;

	assert_int_equal(setenv("CTLSIGN_TEST_SECRET", "s3cret PIN", 1), 0);
	ctl_err_init(&err);
	s = ctl_read_secret(&err, NULL, "unused: ", "CTLSIGN_TEST_SECRET");
	assert_non_null(s);
	assert_string_equal(s, "s3cret PIN");
	assert_null(getenv("CTLSIGN_TEST_SECRET"));
	burn_str(s);
	/* An empty value is a value (the caller decides it is no PIN). */
	assert_int_equal(setenv("CTLSIGN_TEST_SECRET", "", 1), 0);
	ctl_err_init(&err);
	s = ctl_read_secret(&err, NULL, "unused: ", "CTLSIGN_TEST_SECRET");
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_null(getenv("CTLSIGN_TEST_SECRET"));
	burn_str(s);
}

/*
 * What a person types reaches the engine through the program's asker
 * (ctlsign/prompt.c, driven on a real pseudo-terminal by
 * tests/cli/secret_prompt.sh). Here a scripted asker stands in for the
 * person, to hold the engine to its side of the contract: the one
 * policy applied to the line, each outcome its own message, the
 * variable first and the asker not even called then.
 */
struct script {
	enum ctl_ask_result r;
	const char *line;
	size_t len_extra;   /* added to the length reported: a broken asker */
	int calls;
	char prompt[64];
};

static enum ctl_ask_result scripted_ask(void *ctx, char *buf, size_t cap,
					size_t *out_len, const char *prompt)
{
	struct script *sc = ctx;

	sc->calls++;
	snprintf(sc->prompt, sizeof(sc->prompt), "%s", prompt);
	*out_len = 0;
	if (sc->line != NULL) {
		size_t n = strlen(sc->line);

		assert_true(n < cap);
		memcpy(buf, sc->line, n + 1);
		*out_len = n + sc->len_extra;
	}
	return sc->r;
}

static void test_secret_from_asker(void **state)
{
	static const struct {
		enum ctl_ask_result r;
		const char *line, *out, *msg;
		size_t len_extra;
	} cases[] = {
		{ CTL_ASK_OK, "Cisco123\n", "Cisco123", NULL, 0 },
		{ CTL_ASK_OK, "Cisco123\r\n", "Cisco123", NULL, 0 },
		{ CTL_ASK_OK, "Cisco123", "Cisco123", NULL, 0 },
		{ CTL_ASK_OK, "\n", "", NULL, 0 },
		{ CTL_ASK_OK, " Cisco123\n", NULL,
		  "the secret typed begins or ends with a space; nothing was tried", 0 },
		{ CTL_ASK_OK, "Cis\tco\n", NULL,
		  "the secret typed holds a control character other than one final line end; nothing was tried", 0 },
		{ CTL_ASK_OK, "x", NULL,
		  "the secret is longer than 1023 characters; nothing was tried", 2000 },
		{ CTL_ASK_TOO_LONG, NULL, NULL,
		  "the secret is longer than 1023 characters; nothing was tried", 0 },
		{ CTL_ASK_NOTHING, NULL, NULL, "no secret entered", 0 },
		{ CTL_ASK_INTERRUPTED, NULL, NULL, "interrupted", 0 },
		{ CTL_ASK_NO_TERMINAL, NULL, NULL,
		  "no terminal to ask for the secret; set CTLSIGN_TEST_SECRET", 0 },
	};
	struct ctl_err err;
	char *s;

	unsetenv("CTLSIGN_TEST_SECRET");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct script sc = { cases[i].r, cases[i].line, cases[i].len_extra, 0, "" };
		const struct ctl_asker a = { scripted_ask, &sc };

		ctl_err_init(&err);
		s = ctl_read_secret(&err, &a, "PIN for token t: ", "CTLSIGN_TEST_SECRET");
		assert_int_equal(sc.calls, 1);
		assert_string_equal(sc.prompt, "PIN for token t: ");
		if (cases[i].out != NULL) {
			assert_non_null(s);
			assert_string_equal(s, cases[i].out);
			burn_str(s);
			continue;
		}
		assert_null(s);
		assert_int_equal(err.code, CTL_E_USAGE);
		assert_string_equal(err.msg, cases[i].msg);
	}
	/* Nobody to ask at all: the same as no terminal. */
	ctl_err_init(&err);
	assert_null(ctl_read_secret(&err, NULL, "unused: ", "CTLSIGN_TEST_SECRET"));
	assert_string_equal(err.msg, "no terminal to ask for the secret; set CTLSIGN_TEST_SECRET");
	/* The variable wins: the person is not asked. */
	{
		struct script sc = { CTL_ASK_OK, "typed\n", 0, 0, "" };
		const struct ctl_asker a = { scripted_ask, &sc };

		assert_int_equal(setenv("CTLSIGN_TEST_SECRET", "from CI", 1), 0);
		ctl_err_init(&err);
		s = ctl_read_secret(&err, &a, "unused: ", "CTLSIGN_TEST_SECRET");
		assert_non_null(s);
		assert_string_equal(s, "from CI");
		assert_int_equal(sc.calls, 0);
		burn_str(s);
	}
}

/*
 * Secrets (issue 7): one policy for every source. A CI secret loses
 * exactly one line end; other control characters and a space at either
 * end are refused, with a message that does not show the secret, and
 * the variable is gone either way.
 */
static void test_secret_env_policy(void **state)
{
	static const struct {
		const char *in, *out, *msg;
	} cases[] = {
		{ "Cisco123\n", "Cisco123", NULL },
		{ "Cisco123\r\n", "Cisco123", NULL },
		{ "Cis co123", "Cis co123", NULL },
		{ "\n", "", NULL },
		{ "caf\303\251", "caf\303\251", NULL },
		{ "Cisco123\r", NULL, "control character" },
		{ "Cisco123\n\n", NULL, "control character" },
		{ "Cisco123\r\r\n", NULL, "control character" },
		{ "Cisco123\nx", NULL, "control character" },
		{ "Cis\tco123", NULL, "control character" },
		{ "Cis\033co123", NULL, "control character" },
		{ "Cis\177co123", NULL, "control character" },
		{ " Cisco123", NULL, "begins or ends with a space" },
		{ "Cisco123 ", NULL, "begins or ends with a space" },
		{ "Cisco123 \n", NULL, "begins or ends with a space" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctl_err err;
		char *s;

		assert_int_equal(setenv("CTLSIGN_TEST_SECRET", cases[i].in, 1), 0);
		ctl_err_init(&err);
		s = ctl_read_secret(&err, NULL, "unused: ", "CTLSIGN_TEST_SECRET");
		assert_null(getenv("CTLSIGN_TEST_SECRET"));
		if (cases[i].out != NULL) {
			if (s == NULL)
				fail_msg("case %zu refused: %s", i, err.msg);
			assert_string_equal(s, cases[i].out);
			burn_str(s);
			continue;
		}
		if (s != NULL)
			fail_msg("case %zu accepted", i);
		assert_int_equal(err.code, CTL_E_USAGE);
		assert_non_null(strstr(err.msg, "CTLSIGN_TEST_SECRET"));
		assert_non_null(strstr(err.msg, cases[i].msg));
		assert_non_null(strstr(err.msg, "nothing was tried"));
		assert_null(strstr(err.msg, "Cis"));
	}
}

/* A secret file: the same rule, over the whole file. */
static void test_secret_file_policy(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "1234\n", 5, "1234" },
		{ "1234\r\n", 6, "1234" },
		{ "1234", 4, "1234" },
		{ "1234\n\n", 6, NULL },
		{ "1234\nsecond line\n", 17, NULL },
		{ "12\r34", 5, NULL },
		{ "12\00034\n", 6, NULL },
		{ " 1234\n", 6, NULL },
		{ "1234 \n", 6, NULL },
	};
	struct fx *fx = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctl_err err;
		FILE *f = fopen(fx->path, "wb");
		char *s;

		assert_non_null(f);
		assert_int_equal(fwrite(cases[i].in, 1, cases[i].len, f), cases[i].len);
		assert_int_equal(fclose(f), 0);
		assert_int_equal(chmod(fx->path, 0600), 0);
		ctl_err_init(&err);
		s = ctl_read_secret_file(&err, fx->path);
		if (cases[i].out != NULL) {
			if (s == NULL)
				fail_msg("case %zu refused: %s", i, err.msg);
			assert_string_equal(s, cases[i].out);
			burn_str(s);
			continue;
		}
		if (s != NULL)
			fail_msg("case %zu accepted", i);
		assert_int_equal(err.code, CTL_E_USAGE);
		/* The path leads (it may hold "12" itself); the secret is not after it. */
		assert_memory_equal(err.msg, fx->path, strlen(fx->path));
		assert_non_null(strstr(err.msg, "nothing was tried"));
		assert_null(strstr(err.msg + strlen(fx->path), "12"));
	}
}

/*
 * fork_check runs fn in a child and asserts that it exited 0; the exit
 * code otherwise says which check failed, 77 that core dumps could not
 * be allowed to start with (a hard limit of 0; test_secret_no_core runs
 * first so that no other test of this process has set it).
 */
static void fork_check(int (*fn)(void *), void *arg)
{
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn(arg));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		skip();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child check failed: status 0x%x", status);
}

/* 0 if the process is undumpable and may write no core, else 20 or 21. */
static int no_core(void)
{
	struct rlimit rl;

	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 20;
	if (getrlimit(RLIMIT_CORE, &rl) != 0 || rl.rlim_cur != 0 ||
	    rl.rlim_max != 0)
		return 21;
	return 0;
}

/* Core dumps allowed as far as we may, and the process dumpable. */
static int allow_core(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_CORE, &rl) != 0)
		return 0;
	rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_CORE, &rl);
	return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1 && rl.rlim_max != 0;
}

static int read_env_secret_child(void *arg)
{
	struct ctl_err err;
	char *s;

	(void)arg;
	if (!allow_core())
		return 77;
	if (setenv("CTLSIGN_TEST_SECRET", "1234\n", 1) != 0)
		return 11;
	ctl_err_init(&err);
	s = ctl_read_secret(&err, NULL, "unused: ", "CTLSIGN_TEST_SECRET");
	if (s == NULL)
		return 12;
	burn_str(s);
	return no_core();
}

static int read_file_secret_child(void *arg)
{
	struct ctl_err err;
	char *s;

	if (!allow_core())
		return 77;
	ctl_err_init(&err);
	s = ctl_read_secret_file(&err, arg);
	if (s == NULL)
		return 12;
	burn_str(s);
	return no_core();
}

/* Whoever reads a secret is left undumpable, with a core limit of 0. */
static void test_secret_no_core(void **state)
{
	struct fx *fx = *state;
	FILE *f = fopen(fx->path, "w");

	assert_non_null(f);
	fputs("1234\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(fx->path, 0600), 0);
	fork_check(read_env_secret_child, NULL);
	fork_check(read_file_secret_child, fx->path);
	/* Here too, and it stays so. */
	{
		struct ctl_err err;
		char *s;

		ctl_err_init(&err);
		s = ctl_read_secret_file(&err, fx->path);
		assert_non_null(s);
		burn_str(s);
		assert_int_equal(no_core(), 0);
	}
}

#define ENV_SECRET "Sup3r-S3cret-PIN"
#define ENV_CHILD "--environ-child"

/* Whether n bytes at buf hold the len bytes of needle. */
static int env_holds(const char *buf, size_t n, const char *needle, size_t len)
{
	for (size_t i = 0; i + len <= n; i++)
		if (memcmp(buf + i, needle, len) == 0)
			return 1;
	return 0;
}

/*
 * The child of test_secret_env_removed, started by execve with the
 * secret twice in its environment block among other variables. Returns
 * 0 when the variable is gone from environ[] and from the block that
 * /proc/self/environ shows, and every other variable is intact.
 */
static int environ_child(void)
{
	static char buf[1 << 20];
	struct ctl_err err;
	size_t n = 0;
	ssize_t r;
	char *s;
	int fd;

	/* A variable set later lives outside the block: left as it is. */
	if (setenv("CTLSIGN_LATE", "late value", 1) != 0)
		return 10;
	ctl_err_init(&err);
	s = ctl_read_secret(&err, NULL, "unused: ", "CTLSIGN_TEST_SECRET");
	if (s == NULL || strcmp(s, ENV_SECRET) != 0)
		return 11;
	burn_str(s);
	if (getenv("CTLSIGN_TEST_SECRET") != NULL)
		return 12;
	if (getenv("CTLSIGN_BEFORE") == NULL ||
	    strcmp(getenv("CTLSIGN_BEFORE"), "before value") != 0)
		return 13;
	if (getenv("CTLSIGN_AFTER") == NULL ||
	    strcmp(getenv("CTLSIGN_AFTER"), "after value") != 0)
		return 14;
	if (getenv("CTLSIGN_LATE") == NULL ||
	    strcmp(getenv("CTLSIGN_LATE"), "late value") != 0)
		return 15;
	/* The reader made us undumpable; /proc/self/environ wants us back. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0)
		return 16;
	fd = open("/proc/self/environ", O_RDONLY);
	if (fd < 0)
		return 77; /* no /proc: nothing shows the block */
	while ((r = read(fd, buf + n, sizeof(buf) - n)) > 0)
		n += (size_t)r;
	close(fd);
	if (env_holds(buf, n, "CTLSIGN_TEST_SECRET", 19))
		return 17;
	if (env_holds(buf, n, ENV_SECRET, strlen(ENV_SECRET)) ||
	    env_holds(buf, n, "S3cret", 6))
		return 18;
	if (!env_holds(buf, n, "CTLSIGN_AFTER=after value", 26) ||
	    !env_holds(buf, n, "CTLSIGN_BEFORE=before value", 28))
		return 19;
	/* Every other variable is still in the block, whole. */
	for (char **e = environ; *e != NULL; e++)
		if (strncmp(*e, "CTLSIGN_LATE=", 13) != 0 &&
		    !env_holds(buf, n, *e, strlen(*e) + 1))
			return 20;
	return 0;
}

/* A variable taken is removed from /proc/PID/environ, not blanked. */
static void test_secret_env_removed(void **state)
{
	size_t n = 0, k = 0;
	char **envp;
	int status = 0;
	pid_t pid;

	while (environ[n] != NULL)
		n++;
	envp = calloc(n + 5, sizeof(*envp));
	assert_non_null(envp);
	/* Early in the block, so that most of it moves. */
	envp[k++] = "CTLSIGN_BEFORE=before value";
	envp[k++] = "CTLSIGN_TEST_SECRET=" ENV_SECRET;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "CTLSIGN_TEST_SECRET=", 20) != 0)
			envp[k++] = environ[i];
	envp[k++] = "CTLSIGN_TEST_SECRET=S3cret-the-second";
	envp[k++] = "CTLSIGN_AFTER=after value";
	envp[k] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[] = { "test_util", ENV_CHILD, NULL };

		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	free(envp);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		skip();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("environ child: status 0x%x (its exit code says which check)",
			 status);
}

/*
 * Atomic writes (issue 7, output files): a set of files is written all
 * or nothing, a replaced file keeps its mode and owner, a target that is
 * not a regular file is refused by name, and ctl_tmp_unlink_all (what
 * the program's signal handler calls) removes the temporary files of a
 * write in flight in another thread.
 */
#include <dirent.h>
#include <pthread.h>

struct afx {
	char dir[64];
};

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (d == NULL) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char sub[512];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (unlink(sub) != 0)
			rm_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

static int atomic_setup(void **state)
{
	struct afx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/ctlsign-atomic.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	*state = fx;
	return 0;
}

static int atomic_teardown(void **state)
{
	struct afx *fx = *state;

	rm_tree(fx->dir);
	free(fx);
	return 0;
}

/* at: fx->dir/name in one of eight static buffers, reused in turn. */
static const char *at(const struct afx *fx, const char *name)
{
	static char bufs[8][256];
	static int k;
	char *b = bufs[k++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", fx->dir, name);
	return b;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void assert_holds(const char *path, const char *text)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct ctl_err err;

	ctl_err_init(&err);
	assert_true(ctl_read_file(&err, path, 4096, &buf, &len));
	assert_int_equal(len, strlen(text));
	assert_memory_equal(buf, text, len);
	free(buf);
}

/* Only the names given are in fx->dir: no NAME.tmp.XXXXXX is left. */
static void assert_only(const struct afx *fx, size_t n, const char *const *names)
{
	DIR *d = opendir(fx->dir);
	struct dirent *e;
	size_t seen = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		int known = 0;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		for (size_t i = 0; i < n; i++)
			known |= strcmp(e->d_name, names[i]) == 0;
		if (!known)
			fail_msg("unexpected file %s in %s", e->d_name, fx->dir);
		seen++;
	}
	closedir(d);
	assert_int_equal(seen, n);
}

/* A refused third target: the first two are not written, old stays. */
static void test_atomic_set_all_or_nothing(void **state)
{
	struct afx *fx = *state;
	const char *names[] = { "a", "c" };
	struct ctl_out_file files[3] = {
		{ NULL, (const uint8_t *)"new a", 5, 0644 },
		{ NULL, (const uint8_t *)"new b", 5, 0644 },
		{ NULL, (const uint8_t *)"new c", 5, 0644 },
	};
	struct ctl_err err;

	files[0].path = at(fx, "a");
	files[1].path = at(fx, "b");
	files[2].path = at(fx, "c");
	put(files[0].path, "old a");
	assert_int_equal(mkdir(files[2].path, 0755), 0);
	ctl_err_init(&err);
	assert_false(ctl_write_atomic_set(&err, files, 3));
	assert_int_equal(err.code, CTL_E_IO);
	assert_non_null(strstr(err.msg, "/c: is a directory; refusing to replace it"));
	assert_holds(files[0].path, "old a");
	assert_only(fx, 2, names);
	/* Nothing in the way: all three. */
	assert_int_equal(rmdir(files[2].path), 0);
	ctl_err_init(&err);
	assert_true(ctl_write_atomic_set(&err, files, 3));
	assert_holds(files[0].path, "new a");
	assert_holds(files[1].path, "new b");
	assert_holds(files[2].path, "new c");
}

/* Mode (and, as root, owner and group) survive; a new file gets mode. */
static void test_atomic_keeps_mode_and_owner(void **state)
{
	struct afx *fx = *state;
	const char *path = at(fx, "CTLFile.tlv");
	struct ctl_err err;
	struct stat st;
	int root = geteuid() == 0;

	ctl_err_init(&err);
	assert_true(ctl_write_atomic(&err, path, (const uint8_t *)"1", 1, 0604));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0604);
	assert_int_equal(chmod(path, 0640), 0);
	if (root)
		assert_int_equal(chown(path, 65534, 65534), 0);
	else
		print_message("not root: the owner is not checked\n");
	assert_true(ctl_write_atomic(&err, path, (const uint8_t *)"2", 1, 0644));
	assert_holds(path, "2");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	if (root) {
		assert_int_equal(st.st_uid, 65534);
		assert_int_equal(st.st_gid, 65534);
	}
}

/* A symbolic link (even a dangling one) and a FIFO are refused by name. */
static void test_atomic_refuses_non_regular(void **state)
{
	struct afx *fx = *state;
	const char *victim = at(fx, "victim"), *link = at(fx, "link");
	const char *dangling = at(fx, "dangling"), *fifo = at(fx, "fifo");
	const char *names[] = { "victim", "link", "dangling", "fifo" };
	struct ctl_err err;
	char to[256];
	ssize_t n;

	put(victim, "victim");
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(symlink(at(fx, "nowhere"), dangling), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	ctl_err_init(&err);
	assert_false(ctl_write_atomic(&err, link, (const uint8_t *)"x", 1, 0644));
	assert_int_equal(err.code, CTL_E_IO);
	assert_non_null(strstr(err.msg, "link: is a symbolic link; refusing to replace it"));
	n = readlink(link, to, sizeof(to) - 1);
	assert_true(n > 0);
	to[n] = '\0';
	assert_string_equal(to, victim);
	assert_holds(victim, "victim");
	ctl_err_init(&err);
	assert_false(ctl_write_atomic(&err, dangling, (const uint8_t *)"x", 1, 0644));
	assert_non_null(strstr(err.msg, "is a symbolic link"));
	ctl_err_init(&err);
	assert_false(ctl_write_atomic(&err, fifo, (const uint8_t *)"x", 1, 0644));
	assert_non_null(strstr(err.msg, "fifo: is not a regular file (a FIFO); refusing to replace it"));
	assert_only(fx, 4, names);
}

struct writer {
	const char *path;
	struct ctl_err err;
	int ok;
};

/*
 * The pause hook as ctlsign-testhooks installs it (ctlsign/testhooks.c),
 * in-process: hold the write of CTLFile.tlv at its pause point, create
 * the file ctx names and wait (at most 3 s) until the test removes it.
 */
static int pause_wanted(void *ctx, const char *step, const char *name)
{
	(void)ctx;
	return strcmp(step, "write") == 0 && strcmp(name, "CTLFile.tlv") == 0;
}

static void pause_hold(void *ctx)
{
	const char *file = ctx;
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return;
	close(fd);
	for (int k = 0; k < 300 && access(file, F_OK) == 0; k++)
		usleep(10 * 1000);
}

static void pause_at_write(const char *pause_file)
{
	const struct ctl_pause_hook h = { pause_wanted, pause_hold,
					  (void *)pause_file };

	ctl_pause_set_hook(&h);
}

static void *write_in_thread(void *arg)
{
	struct writer *w = arg;

	ctl_err_init(&w->err);
	w->ok = ctl_write_atomic(&w->err, w->path, (const uint8_t *)"new", 3, 0644);
	return NULL;
}

/*
 * What the signal handler does, from another thread: with a write held
 * (the test hook) after its temporary file is complete, ctl_tmp_unlink_all
 * removes it; the write then fails and the old file is untouched.
 */
static void test_atomic_tmp_unlink_all(void **state)
{
	struct afx *fx = *state;
	const char *pause = at(fx, "pause");
	const char *names[] = { "CTLFile.tlv" };
	struct writer w = { at(fx, "CTLFile.tlv"), { 0 }, -1 };
	pthread_t tid;
	DIR *d;
	struct dirent *e;
	int tmps = 0;

	put(w.path, "old");
	/* Nothing in flight: nothing is removed. */
	ctl_tmp_unlink_all();
	assert_holds(w.path, "old");
	pause_at_write(pause);
	assert_int_equal(pthread_create(&tid, NULL, write_in_thread, &w), 0);
	for (int k = 0; k < 300 && access(pause, F_OK) != 0; k++)
		usleep(10 * 1000);
	assert_int_equal(access(pause, F_OK), 0);
	d = opendir(fx->dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		tmps += strncmp(e->d_name, "CTLFile.tlv.tmp.", 16) == 0;
	closedir(d);
	assert_int_equal(tmps, 1);
	ctl_tmp_unlink_all();
	unlink(pause);
	assert_int_equal(pthread_join(tid, NULL), 0);
	ctl_pause_set_hook(NULL);
	assert_false(w.ok);
	assert_non_null(strstr(w.err.msg, "CTLFile.tlv: the temporary file"));
	assert_non_null(strstr(w.err.msg, "was replaced or removed by someone else; nothing replaced"));
	assert_holds(w.path, "old");
	assert_only(fx, 1, names);
}

/*
 * Another user who can write the directory swaps the temporary file for
 * one of theirs between our write and our rename: nothing is replaced.
 */
static void test_atomic_tmp_swapped(void **state)
{
	struct afx *fx = *state;
	const char *pause = at(fx, "pause");
	const char *names[] = { "CTLFile.tlv" };
	struct writer w = { at(fx, "CTLFile.tlv"), { 0 }, -1 };
	char tmp[PATH_MAX] = "";
	pthread_t tid;
	DIR *d;
	struct dirent *e;

	put(w.path, "old");
	pause_at_write(pause);
	assert_int_equal(pthread_create(&tid, NULL, write_in_thread, &w), 0);
	for (int k = 0; k < 300 && access(pause, F_OK) != 0; k++)
		usleep(10 * 1000);
	assert_int_equal(access(pause, F_OK), 0);
	d = opendir(fx->dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "CTLFile.tlv.tmp.", 16) == 0)
			snprintf(tmp, sizeof(tmp), "%s/%s", fx->dir, e->d_name);
	closedir(d);
	assert_true(tmp[0] != '\0');
	/* The same name, another file: what rename() would put in place. */
	assert_int_equal(unlink(tmp), 0);
	put(tmp, "FORGED");
	unlink(pause);
	assert_int_equal(pthread_join(tid, NULL), 0);
	ctl_pause_set_hook(NULL);
	assert_false(w.ok);
	assert_non_null(strstr(w.err.msg, "was replaced or removed by someone else; nothing replaced"));
	assert_holds(w.path, "old");
	unlink(tmp);
	assert_only(fx, 1, names);
}

/*
 * ctl_tmp_mkdir: a new directory beside the name, listed for the signal
 * handler: ctl_tmp_unlink_all removes it with the files in it (more than
 * one getdents buffer of them); once forgotten it is left alone.
 */
static void test_atomic_tmp_dir(void **state)
{
	struct afx *fx = *state;
	const char *none[] = { NULL };
	const char *kept[] = { "store" };
	char stage[PATH_MAX], f[PATH_MAX + 64], tiny[8];
	struct ctl_err err;
	struct stat st;
	int slot;

	ctl_err_init(&err);
	slot = ctl_tmp_mkdir(&err, at(fx, "store"), stage, sizeof(stage));
	assert_true(slot >= 0);
	assert_int_equal(strncmp(stage, at(fx, "store.tmp."), strlen(at(fx, "store.tmp."))), 0);
	assert_int_equal(strlen(stage), strlen(at(fx, "store")) + CTL_TMP_SUFFIX_LEN);
	assert_int_equal(lstat(stage, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	for (int i = 0; i < 300; i++) {
		snprintf(f, sizeof(f), "%s/cert-%03d-with-a-long-name-to-fill-buffers.pem", stage, i);
		put(f, "x");
	}
	ctl_tmp_unlink_all();
	assert_int_equal(lstat(stage, &st), -1);
	assert_only(fx, 0, none);
	ctl_tmp_forget(slot);

	/* Forgotten (renamed in place): never touched again. */
	slot = ctl_tmp_mkdir(&err, at(fx, "store"), stage, sizeof(stage));
	assert_true(slot >= 0);
	assert_int_equal(rename(stage, at(fx, "store")), 0);
	ctl_tmp_forget(slot);
	put(at(fx, "store/a.pem"), "x");
	ctl_tmp_unlink_all();
	assert_holds(at(fx, "store/a.pem"), "x");
	assert_only(fx, 1, kept);

	/* No room for the name: refused, nothing made. */
	assert_int_equal(ctl_tmp_mkdir(&err, at(fx, "other"), tiny, sizeof(tiny)), -1);
	assert_non_null(strstr(err.msg, "path too long"));
	assert_only(fx, 1, kept);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_file_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_file_not_regular, setup, teardown),
		/* First: the readers below leave the process without core dumps. */
		cmocka_unit_test_setup_teardown(test_secret_no_core, setup, teardown),
		cmocka_unit_test(test_secret_from_env),
		cmocka_unit_test(test_secret_env_policy),
		cmocka_unit_test(test_secret_from_asker),
		cmocka_unit_test_setup_teardown(test_secret_file_policy, setup, teardown),
		cmocka_unit_test(test_secret_env_removed),
		cmocka_unit_test_setup_teardown(test_atomic_set_all_or_nothing,
						atomic_setup, atomic_teardown),
		cmocka_unit_test_setup_teardown(test_atomic_keeps_mode_and_owner,
						atomic_setup, atomic_teardown),
		cmocka_unit_test_setup_teardown(test_atomic_refuses_non_regular,
						atomic_setup, atomic_teardown),
		cmocka_unit_test_setup_teardown(test_atomic_tmp_unlink_all,
						atomic_setup, atomic_teardown),
		cmocka_unit_test_setup_teardown(test_atomic_tmp_swapped,
						atomic_setup, atomic_teardown),
		cmocka_unit_test_setup_teardown(test_atomic_tmp_dir,
						atomic_setup, atomic_teardown),
	};

	if (argc > 1 && strcmp(argv[1], ENV_CHILD) == 0)
		return environ_child();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
