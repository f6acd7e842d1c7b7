/*
 * test_text.c - the one sanitizer for untrusted text (ctl_text_*) and the
 * program's JSON strings (ctlsign/json.c, on the same policy): a table of
 * every class of hostile input, buffer-size edge cases, and the same
 * table through the JSON writer checked to be valid UTF-8 with no raw
 * control.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "text.h"

struct tcase {
	const char *in;
	size_t n;
	const char *term; /* ctl_text_safe */
	const char *json; /* cj_render(cj_bytes()), without the quotes */
};

#define S(x) x, sizeof(x) - 1

static const struct tcase cases[] = {
	{ S(""), "", "" },
	{ S("SAST-ADN0054f509"), "SAST-ADN0054f509", "SAST-ADN0054f509" },
	/* Valid printable UTF-8 passes: Korean, accents, euro, an emoji. */
	{ S("\355\231\215\352\270\270\353\217\231"), "\355\231\215\352\270\270\353\217\231",
	  "\355\231\215\352\270\270\353\217\231" },
	{ S("caf\303\251 \342\202\254 \360\237\230\200"),
	  "caf\303\251 \342\202\254 \360\237\230\200",
	  "caf\303\251 \342\202\254 \360\237\230\200" },
	/* C0 controls, a NUL inside, DEL. */
	{ S("a\033]0;title\007\033[2Jb"), "a\\x1b]0;title\\x07\\x1b[2Jb",
	  "a\\u001B]0;title\\u0007\\u001B[2Jb" },
	{ S("a\rb\nc\td\177"), "a\\x0db\\x0ac\\x09d\\x7f",
	  "a\\rb\\nc\\td\\u007F" },
	{ S("a\0b"), "a\\x00b", "a\\u0000b" },
	/* C1 controls: U+0080, U+009B (CSI), U+009F. */
	{ S("\302\200\302\233" "31m\302\237"), "\\xc2\\x80\\xc2\\x9b31m\\xc2\\x9f",
	  "\\u0080\\u009B31m\\u009F" },
	{ S("\302\240|"), "\302\240|", "\302\240|" }, /* U+00A0 is printable */
	/* Bidi: overrides, embeddings, isolates, marks, ALM; separators. */
	{ S("\342\200\256evil"), "\\xe2\\x80\\xaeevil", "\\u202Eevil" },
	{ S("\342\200\252\342\200\255"), "\\xe2\\x80\\xaa\\xe2\\x80\\xad",
	  "\\u202A\\u202D" },
	{ S("\342\201\246\342\201\251"), "\\xe2\\x81\\xa6\\xe2\\x81\\xa9",
	  "\\u2066\\u2069" },
	{ S("\342\200\216\342\200\217\330\234"), "\\xe2\\x80\\x8e\\xe2\\x80\\x8f\\xd8\\x9c",
	  "\\u200E\\u200F\\u061C" },
	{ S("a\342\200\250b"), "a\\xe2\\x80\\xa8b", "a\\u2028b" },
	{ S("\342\200\215"), "\342\200\215", "\342\200\215" }, /* ZWJ: kept */
	/* Invalid UTF-8: lone bytes, Latin-1. */
	{ S("a\233" "31m"), "a\\x9b31m", "a\\uFFFD31m" },
	{ S("\377\376"), "\\xff\\xfe", "\\uFFFD\\uFFFD" },
	{ S("caf\351"), "caf\\xe9", "caf\\uFFFD" },
	{ S("\200x"), "\\x80x", "\\uFFFDx" }, /* stray continuation */
	/* Overlong encodings of '/', NUL and U+20AC. */
	{ S("\300\257"), "\\xc0\\xaf", "\\uFFFD\\uFFFD" },
	{ S("\301\277"), "\\xc1\\xbf", "\\uFFFD\\uFFFD" },
	{ S("\340\200\257"), "\\xe0\\x80\\xaf", "\\uFFFD\\uFFFD\\uFFFD" },
	{ S("\360\202\202\254"), "\\xf0\\x82\\x82\\xac",
	  "\\uFFFD\\uFFFD\\uFFFD\\uFFFD" },
	/* Surrogates: ED A0 80 (U+D800), ED BF BF (U+DFFF); ED 9F BF ok. */
	{ S("\355\240\200"), "\\xed\\xa0\\x80", "\\uFFFD\\uFFFD\\uFFFD" },
	{ S("\355\277\277"), "\\xed\\xbf\\xbf", "\\uFFFD\\uFFFD\\uFFFD" },
	{ S("\355\237\277"), "\355\237\277", "\355\237\277" },
	/* Beyond U+10FFFF: F4 90 80 80, F5..F7 leads; U+10FFFF itself ok. */
	{ S("\364\220\200\200"), "\\xf4\\x90\\x80\\x80",
	  "\\uFFFD\\uFFFD\\uFFFD\\uFFFD" },
	{ S("\367\277\277\277"), "\\xf7\\xbf\\xbf\\xbf",
	  "\\uFFFD\\uFFFD\\uFFFD\\uFFFD" },
	{ S("\364\217\277\277"), "\364\217\277\277", "\364\217\277\277" },
	/* Truncated sequences at the end, and followed by ASCII. */
	{ S("ab\342\202"), "ab\\xe2\\x82", "ab\\uFFFD\\uFFFD" },
	{ S("\360\237\230"), "\\xf0\\x9f\\x98", "\\uFFFD\\uFFFD\\uFFFD" },
	{ S("\303"), "\\xc3", "\\uFFFD" },
	{ S("\342\202a"), "\\xe2\\x82a", "\\uFFFD\\uFFFDa" },
	/* JSON's own specials; a backslash is kept on a terminal. */
	{ S("say \"hi\" \\x1b"), "say \"hi\" \\x1b", "say \\\"hi\\\" \\\\x1b" },
};

static void test_terminal_table(void **state)
{
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t w = ctl_text_safe(out, sizeof(out), (const uint8_t *)cases[i].in,
					 cases[i].n);

		if (strcmp(out, cases[i].term) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, out, cases[i].term);
		assert_int_equal(w, strlen(cases[i].term));
	}
}

/* Sanitizing twice changes nothing: layers may each apply it. */
static void test_idempotent(void **state)
{
	char once[256], twice[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ctl_text_safe(once, sizeof(once), (const uint8_t *)cases[i].in, cases[i].n);
		ctl_text_safe(twice, sizeof(twice), (const uint8_t *)once, strlen(once));
		assert_string_equal(once, twice);
	}
}

/* ctl_text_put (a FILE) writes exactly what ctl_text_safe does. */
static void test_put_matches(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		assert_non_null(f);
		ctl_text_put(f, (const uint8_t *)cases[i].in, cases[i].n);
		assert_int_equal(fclose(f), 0);
		assert_int_equal(len, strlen(cases[i].term));
		assert_memory_equal(buf, cases[i].term, len);
		free(buf);
	}
}

/* Every byte is printable ASCII or part of a valid, safe UTF-8 sequence. */
static void assert_clean(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned long c = 0;
		size_t k = ctl_utf8_seq(&c, (const uint8_t *)s + i, n - i);

		if (k == 0 || ctl_text_unsafe_cp(c))
			fail_msg("unsafe byte 0x%02x at %zu in \"%s\"", (unsigned char)s[i], i, s);
		i += k;
	}
}

static void test_json_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		assert_non_null(f);
		json_t *v = cj_bytes((const uint8_t *)cases[i].in, cases[i].n);
		char *r = cj_render(v);

		assert_non_null(r);
		fprintf(f, "%s", r);
		free(r);
		json_decref(v);
		assert_int_equal(fclose(f), 0);
		assert_true(len >= 2 && buf[0] == '"' && buf[len - 1] == '"');
		if (len - 2 != strlen(cases[i].json) ||
		    memcmp(buf + 1, cases[i].json, len - 2) != 0)
			fail_msg("case %zu: got %s, want \"%s\"", i, buf, cases[i].json);
		assert_clean(buf, len);
		free(buf);
	}
}

/* cj_str: NULL is null (unknown), never ""; controls escaped inside an object. */
static void test_json_null(void **state)
{
	json_t *o = cj_obj();
	char *r;

	(void)state;
	cj_set(o, "a", cj_str(NULL));
	cj_set(o, "b", cj_str("x\033\177\302\233"));
	r = cj_render(o);
	assert_non_null(r);
	assert_string_equal(r, "{\"a\":null,\"b\":\"x\\u001B\\u007F\\u009B\"}");
	free(r);
	json_decref(o);
}

/*
 * Buffer sizes: cap 0 writes nothing; cap 1 gives ""; a unit (a UTF-8
 * sequence or an escape) that does not fit whole is left out, with every
 * cap from 0 to the full length.
 */
static void test_caps(void **state)
{
	static const struct {
		const char *in;
		size_t cap;
		const char *out;
	} t[] = {
		{ "abc", 1, "" },
		{ "abc", 3, "ab" },
		{ "abc", 4, "abc" },
		{ "abc\342\202\254", 5, "abc" },   /* the euro does not fit */
		{ "abc\342\202\254", 6, "abc" },
		{ "abc\342\202\254", 7, "abc\342\202\254" },
		{ "ab\033", 4, "ab" },             /* \x1b needs 4 */
		{ "ab\033", 6, "ab" },
		{ "ab\033", 7, "ab\\x1b" },
		{ "\342\200\256x", 12, "" },       /* U+202E: 12 chars, whole or none */
		{ "\342\200\256x", 13, "\\xe2\\x80\\xae" },
		{ "\342\200\256x", 14, "\\xe2\\x80\\xaex" },
	};
	char buf[64];
	static const char full[] = "a\033\303\251\342\200\256\377\360\237\230\200z";
	/* Where units start in its result: a \x1b é U+202E \xff U+1F600 z. */
	static const uint8_t bounds[] = { 0, 1, 5, 7, 19, 23, 27, 28 };
	char want[128];
	size_t wlen;

	(void)state;
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(ctl_text_safe(buf, 0, (const uint8_t *)"abc", 3), 0);
	assert_int_equal(buf[0], 'Z'); /* cap 0: not even a NUL */
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t w = ctl_text_safe(buf, t[i].cap, (const uint8_t *)t[i].in,
					 strlen(t[i].in));

		if (strcmp(buf, t[i].out) != 0)
			fail_msg("cap %zu: got \"%s\", want \"%s\"", t[i].cap, buf, t[i].out);
		assert_int_equal(w, strlen(t[i].out));
	}
	/* Every cap: a prefix of the full result ending on a unit boundary. */
	wlen = ctl_text_safe(want, sizeof(want), (const uint8_t *)full, sizeof(full) - 1);
	assert_int_equal(wlen, 28);
	for (size_t cap = 1; cap <= wlen + 1; cap++) {
		char *out = malloc(cap); /* exact size: ASan sees any overrun */
		size_t w;

		assert_non_null(out);
		w = ctl_text_safe(out, cap, (const uint8_t *)full, sizeof(full) - 1);
		assert_true(w < cap);
		assert_int_equal(out[w], '\0');
		assert_memory_equal(out, want, w);
		assert_clean(out, w);
		/* Cut only where the full result has a unit boundary. */
		assert_non_null(memchr(bounds, (int)w, sizeof(bounds)));
		free(out);
	}
}

static void test_cstr_and_fix(void **state)
{
	char buf[16], msg[32];

	(void)state;
	assert_string_equal(ctl_text_cstr(buf, sizeof(buf), NULL), "");
	assert_string_equal(ctl_text_cstr(buf, sizeof(buf), "a\033[2J"), "a\\x1b[2J");
	/* In place: grows, stays within cap, cut on a unit boundary. */
	strcpy(msg, "node: \033]0;x\007 \342\200\256ok");
	ctl_text_fix(msg, sizeof(msg));
	assert_string_equal(msg, "node: \\x1b]0;x\\x07 \\xe2\\x80\\xae"); /* 31 */
	strcpy(msg, "plain \303\251");
	ctl_text_fix(msg, sizeof(msg));
	assert_string_equal(msg, "plain \303\251");
	strcpy(msg, "\n");
	ctl_text_fix(msg, sizeof(msg));
	assert_string_equal(msg, "\\x0a");
	ctl_text_fix(NULL, 4);
}

/* ctl_utf8_seq never reads past n, whatever the lead byte promises. */
static void test_utf8_bounds(void **state)
{
	unsigned long c = 0;

	(void)state;
	for (unsigned b = 0; b < 256; b++) {
		uint8_t *p = malloc(1);

		assert_non_null(p);
		p[0] = (uint8_t)b;
		assert_int_equal(ctl_utf8_seq(&c, p, 1), b < 0x80 ? 1 : 0);
		assert_int_equal(ctl_utf8_seq(&c, p, 0), 0);
		free(p);
	}
	assert_int_equal(ctl_utf8_seq(&c, (const uint8_t *)"\360\237\230\200", 4), 4);
	assert_int_equal(c, 0x1f600);
	assert_int_equal(ctl_utf8_seq(&c, (const uint8_t *)"\360\237\230\200", 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terminal_table),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_put_matches),
		cmocka_unit_test(test_json_table),
		cmocka_unit_test(test_json_null),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_cstr_and_fix),
		cmocka_unit_test(test_utf8_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
