/* test_bytes.c - the cursor and the builder. */
#include "testutil.h"

#include "bytes.h"

static void test_cbs_reads_and_bounds(void **state)
{
	static const uint8_t d[] = { 1, 0x02, 0x03, 4, 5, 6, 7 };
	struct cbs c, sub;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;

	cbs_init(&c, d, sizeof(d), 100);
	assert_true(cbs_get_u8(&c, &u8));
	assert_int_equal(u8, 1);
	assert_int_equal(cbs_offset(&c), 101);
	assert_true(cbs_get_u16(&c, &u16));
	assert_int_equal(u16, 0x0203);
	assert_true(cbs_get_u32(&c, &u32));
	assert_int_equal(u32, 0x04050607);
	assert_int_equal(cbs_len(&c), 0);
	/* Nothing left: every read fails and leaves the cursor alone. */
	assert_false(cbs_get_u8(&c, &u8));
	assert_false(cbs_get_u16(&c, &u16));
	assert_false(cbs_skip(&c, 1));
	assert_true(cbs_skip(&c, 0));

	cbs_init(&c, d, 3, 0);
	assert_false(cbs_get_u32(&c, &u32));
	assert_int_equal(cbs_len(&c), 3);
	assert_false(cbs_get_bytes(&c, &sub, 4));
	assert_true(cbs_get_bytes(&c, &sub, 3));
	assert_int_equal(cbs_len(&sub), 3);
	assert_int_equal(cbs_offset(&sub), 0);
}

static void test_cbs_length_prefixed(void **state)
{
	static const uint8_t ok[] = { 0, 2, 0xaa, 0xbb, 0xcc };
	static const uint8_t over[] = { 0, 3, 0xaa, 0xbb };
	static const uint8_t huge[] = { 0xff, 0xff, 0 };
	struct cbs c, v;

	cbs_init(&c, ok, sizeof(ok), 0);
	assert_true(cbs_get_u16_length_prefixed(&c, &v));
	assert_int_equal(cbs_len(&v), 2);
	assert_int_equal(cbs_len(&c), 1);
	cbs_init(&c, over, sizeof(over), 0);
	assert_false(cbs_get_u16_length_prefixed(&c, &v));
	assert_int_equal(cbs_len(&c), sizeof(over)); /* unchanged */
	cbs_init(&c, huge, sizeof(huge), 0);
	assert_false(cbs_get_u16_length_prefixed(&c, &v));
	cbs_init(&c, huge, 1, 0);
	assert_false(cbs_get_u16_length_prefixed(&c, &v));
}

static void test_cbb_prefixes(void **state)
{
	struct cbb b;
	uint8_t *out;
	size_t len, off;

	assert_true(cbb_init(&b, 1));
	assert_true(cbb_add_u8(&b, 7));
	assert_true(cbb_open_u16(&b));
	assert_true(cbb_string_element(&b, 4, "ab"));
	assert_true(cbb_open_u16(&b));
	assert_true(cbb_add_u32(&b, 0x01020304));
	assert_true(cbb_close(&b));
	assert_true(cbb_close(&b));
	assert_true(cbb_reserve_u16(&b, &off));
	assert_true(cbb_set_u16(&b, off, 0xbeef));
	assert_true(cbb_finish(&b, &out, &len));
	{
		static const uint8_t want[] = { 7, 0, 12, 4, 0, 3, 'a', 'b', 0,
						0, 4, 1, 2, 3, 4, 0xbe, 0xef };
		assert_int_equal(len, sizeof(want));
		assert_memory_equal(out, want, sizeof(want));
	}
	free(out);
	cbb_cleanup(&b);
}

static void test_cbb_failures_stick(void **state)
{
	static uint8_t big[0x10000];
	struct cbb b;
	uint8_t *out;
	size_t len;

	/* A child longer than 0xffff cannot be closed... */
	assert_true(cbb_init(&b, 16));
	assert_true(cbb_open_u16(&b));
	assert_true(cbb_add_bytes(&b, big, sizeof(big)));
	assert_false(cbb_close(&b));
	/* ...and the builder stays failed. */
	assert_false(cbb_add_u8(&b, 1));
	assert_false(cbb_finish(&b, &out, &len));
	cbb_cleanup(&b);

	/* 0xffff exactly fits. */
	assert_true(cbb_init(&b, 16));
	assert_true(cbb_element(&b, 9, big, 0xffff));
	assert_true(cbb_finish(&b, &out, &len));
	assert_int_equal(len, 3 + 0xffff);
	assert_int_equal(out[1], 0xff);
	assert_int_equal(out[2], 0xff);
	free(out);
	cbb_cleanup(&b);

	/* Finishing with a child open, closing with none, patching past the end. */
	assert_true(cbb_init(&b, 16));
	assert_true(cbb_open_u16(&b));
	assert_false(cbb_finish(&b, &out, &len));
	cbb_cleanup(&b);
	assert_true(cbb_init(&b, 16));
	assert_false(cbb_close(&b));
	cbb_cleanup(&b);
	assert_true(cbb_init(&b, 16));
	assert_true(cbb_add_u8(&b, 1));
	assert_false(cbb_set_u16(&b, 0, 5));
	cbb_cleanup(&b);

	/* Depth is bounded. */
	assert_true(cbb_init(&b, 16));
	for (int i = 0; i < CBB_MAX_DEPTH; i++)
		assert_true(cbb_open_u16(&b));
	assert_false(cbb_open_u16(&b));
	cbb_cleanup(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cbs_reads_and_bounds),
		cmocka_unit_test(test_cbs_length_prefixed),
		cmocka_unit_test(test_cbb_prefixes),
		cmocka_unit_test(test_cbb_failures_stick),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
