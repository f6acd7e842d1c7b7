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
	size_t len;

	assert_true(cbb_init(&b, 1));
	assert_true(cbb_add_u8(&b, 7));
	assert_true(cbb_open_u16(&b));
	assert_true(cbb_string_element(&b, 4, "ab"));
	assert_true(cbb_open_u16(&b));
	assert_true(cbb_add_u32(&b, 0x01020304));
	assert_true(cbb_close(&b));
	assert_true(cbb_close(&b));
	assert_true(cbb_finish(&b, &out, &len));
	{
		static const uint8_t want[] = { 7, 0, 12, 4, 0, 3, 'a', 'b', 0,
						0, 4, 1, 2, 3, 4 };
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

	/* Finishing with a child open, closing with none. */
	assert_true(cbb_init(&b, 16));
	assert_true(cbb_open_u16(&b));
	assert_false(cbb_finish(&b, &out, &len));
	cbb_cleanup(&b);
	assert_true(cbb_init(&b, 16));
	assert_false(cbb_close(&b));
	cbb_cleanup(&b);

	/* Depth is bounded. */
	assert_true(cbb_init(&b, 16));
	for (int i = 0; i < CBB_MAX_DEPTH; i++)
		assert_true(cbb_open_u16(&b));
	assert_false(cbb_open_u16(&b));
	cbb_cleanup(&b);
}

/*
 * A counted region: the u16 inside it counts the whole region, its own
 * tag and length too (RECORDLENGTH, HEADERLENGTH), through u16 children
 * between, and nested in and around other children.
 */
static void test_cbb_counted(void **state)
{
	struct cbb b;
	uint8_t *out;
	size_t len;

	assert_true(cbb_init(&b, 1));
	assert_true(cbb_add_u8(&b, 0xaa));          /* before: not counted */
	assert_true(cbb_open_counted(&b));          /* the record, at 1 */
	assert_true(cbb_add_u8(&b, 1) && cbb_open_u16(&b) &&
		    cbb_add_count_u16(&b) && cbb_close(&b));
	assert_true(cbb_add_u8(&b, 4) && cbb_open_u16(&b));
	assert_true(cbb_open_counted(&b));          /* nested, inside a u16 */
	assert_true(cbb_add_count_u16(&b));
	assert_true(cbb_add_u8(&b, 0x55));
	assert_true(cbb_close(&b));                 /* inner count: 3 */
	assert_true(cbb_close(&b));                 /* u16 prefix: 3 */
	assert_true(cbb_string_element(&b, 2, "x"));
	assert_true(cbb_close(&b));                 /* record: 16 bytes */
	assert_true(cbb_add_u8(&b, 0xbb));          /* after: not counted */
	assert_true(cbb_finish(&b, &out, &len));
	{
		static const uint8_t want[] = {
			0xaa,
			1, 0, 2, 0, 16,               /* RECORDLENGTH 16 */
			4, 0, 3, 0, 3, 0x55,          /* u16 3 | count 3 | byte */
			2, 0, 2, 'x', 0,
			0xbb,
		};
		assert_int_equal(len, sizeof(want));
		assert_memory_equal(out, want, sizeof(want));
	}
	free(out);
	cbb_cleanup(&b);

	/* A region of exactly 0xffff bytes, its count at the end. */
	{
		static uint8_t fill[0xffff - 2];

		assert_true(cbb_init(&b, 16));
		assert_true(cbb_open_counted(&b));
		assert_true(cbb_add_bytes(&b, fill, sizeof(fill)));
		assert_true(cbb_add_count_u16(&b));
		assert_true(cbb_close(&b));
		assert_true(cbb_finish(&b, &out, &len));
		assert_int_equal(len, 0xffff);
		assert_int_equal(out[len - 2], 0xff);
		assert_int_equal(out[len - 1], 0xff);
		free(out);
		cbb_cleanup(&b);
	}
}

/*
 * A counted region one byte too long for its u16 is refused, never
 * written modulo 0x10000, and the builder stays failed; so is a region
 * without its count, one with two, and a count with no region open.
 */
static void test_cbb_counted_refused(void **state)
{
	static uint8_t fill[0xffff - 2 + 1];
	struct cbb b;
	uint8_t *out = NULL;
	size_t len = 0;

	assert_true(cbb_init(&b, 16));
	assert_true(cbb_open_counted(&b));
	assert_true(cbb_add_count_u16(&b));
	assert_true(cbb_add_bytes(&b, fill, sizeof(fill)));
	assert_false(cbb_close(&b));
	assert_false(cbb_add_u8(&b, 1));
	assert_false(cbb_finish(&b, &out, &len));
	assert_null(out);
	cbb_cleanup(&b);

	/* Nested: the inner region fits, the outer does not. */
	assert_true(cbb_init(&b, 16));
	assert_true(cbb_open_counted(&b) && cbb_add_count_u16(&b));
	assert_true(cbb_add_bytes(&b, fill, 0x8000));
	assert_true(cbb_open_counted(&b) && cbb_add_count_u16(&b));
	assert_true(cbb_add_bytes(&b, fill, 0x8000));
	assert_true(cbb_close(&b));
	assert_false(cbb_close(&b));
	assert_false(cbb_finish(&b, &out, &len));
	cbb_cleanup(&b);

	/* No count placed. */
	assert_true(cbb_init(&b, 16));
	assert_true(cbb_open_counted(&b) && cbb_add_u8(&b, 1));
	assert_false(cbb_close(&b));
	assert_false(cbb_finish(&b, &out, &len));
	cbb_cleanup(&b);

	/* Two counts for one region. */
	assert_true(cbb_init(&b, 16));
	assert_true(cbb_open_counted(&b) && cbb_add_count_u16(&b));
	assert_false(cbb_add_count_u16(&b));
	assert_false(cbb_finish(&b, &out, &len));
	cbb_cleanup(&b);

	/* A count with no counted region open, even inside a u16 child. */
	assert_true(cbb_init(&b, 16));
	assert_true(cbb_open_u16(&b));
	assert_false(cbb_add_count_u16(&b));
	cbb_cleanup(&b);

	/* A counted region left open. */
	assert_true(cbb_init(&b, 16));
	assert_true(cbb_open_counted(&b) && cbb_add_count_u16(&b));
	assert_false(cbb_finish(&b, &out, &len));
	cbb_cleanup(&b);

	/* Counted regions share the depth bound with u16 children. */
	assert_true(cbb_init(&b, 16));
	for (int i = 0; i < CBB_MAX_DEPTH; i++)
		assert_true(i % 2 ? cbb_open_u16(&b) : cbb_open_counted(&b));
	assert_false(cbb_open_counted(&b));
	cbb_cleanup(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cbs_reads_and_bounds),
		cmocka_unit_test(test_cbs_length_prefixed),
		cmocka_unit_test(test_cbb_prefixes),
		cmocka_unit_test(test_cbb_failures_stick),
		cmocka_unit_test(test_cbb_counted),
		cmocka_unit_test(test_cbb_counted_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
