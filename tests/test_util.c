/*
 * test_util.c - bounded file reads and secrets from the environment:
 * ctl_read_file at and around its limit, on empty files, directories and
 * FIFOs; ctl_read_secret taking a CI secret once and leaving no copy of
 * it in the environment.
 */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

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
	s = ctl_read_secret(&err, "unused: ", "CTLSIGN_TEST_SECRET");
	assert_non_null(s);
	assert_string_equal(s, "s3cret PIN");
	assert_null(getenv("CTLSIGN_TEST_SECRET"));
	burn_str(s);
	/* An empty value is a value (the caller decides it is no PIN). */
	assert_int_equal(setenv("CTLSIGN_TEST_SECRET", "", 1), 0);
	ctl_err_init(&err);
	s = ctl_read_secret(&err, "unused: ", "CTLSIGN_TEST_SECRET");
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_null(getenv("CTLSIGN_TEST_SECRET"));
	burn_str(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_file_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_file_not_regular, setup, teardown),
		cmocka_unit_test(test_secret_from_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
