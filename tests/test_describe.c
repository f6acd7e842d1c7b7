/*
 * test_describe.c - key types named as `show` prints them, and where a
 * certificate stands against its notAfter at the edges: the second it
 * expires, exactly CTL_EXPIRY_SOON_DAYS days before, one second more.
 */
#include "testutil.h"

#include <openssl/ec.h>

/* not_after_of: cert's notAfter in seconds since the epoch. */
static int64_t not_after_of(const X509 *x)
{
	int day = 0, sec = 0;
	ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);

	assert_int_equal(ASN1_TIME_diff(&day, &sec, epoch, X509_get0_notAfter(x)), 1);
	ASN1_TIME_free(epoch);
	return (int64_t)day * 86400 + sec;
}

static void test_expiry_edges(void **state)
{
	X509 *x = test_cert("pub");
	int64_t na = not_after_of(x), secs = 1;
	const int64_t soon = (int64_t)CTL_EXPIRY_SOON_DAYS * 86400;
	char text[128];

	(void)state;
	assert_int_equal(ctl_cert_expiry(x, na - soon - 1, &secs), CTL_EXPIRY_VALID);
	assert_int_equal(secs, soon + 1);
	assert_int_equal(ctl_expiry_text(text, sizeof(text), x, na - soon - 1), 0);
	assert_string_equal(text, "");
	assert_int_equal(ctl_cert_expiry(x, na - soon, NULL), CTL_EXPIRY_SOON);
	assert_int_equal(ctl_cert_expiry(x, na, &secs), CTL_EXPIRY_SOON);
	assert_int_equal(secs, 0);
	assert_int_equal(ctl_cert_expiry(x, na + 1, &secs), CTL_EXPIRY_EXPIRED);
	assert_int_equal(secs, -1);
	/* Whole days toward the present; under a day said so. */
	assert_true(ctl_expiry_text(text, sizeof(text), x, na - soon) > 0);
	assert_non_null(strstr(text, "(in 30 days)"));
	ctl_expiry_text(text, sizeof(text), x, na - 86400 - 5);
	assert_non_null(strstr(text, "(in 1 day)"));
	ctl_expiry_text(text, sizeof(text), x, na - 5);
	assert_non_null(strstr(text, "(in less than a day)"));
	ctl_expiry_text(text, sizeof(text), x, na + 5);
	assert_non_null(strstr(text, "(less than a day ago)"));
	ctl_expiry_text(text, sizeof(text), x, na + 3 * 86400 + 5);
	assert_string_equal(text + strlen(text) - strlen("(3 days ago)"), "(3 days ago)");
	assert_true(strncmp(text, "expired 2036-", 13) == 0);
	/* A small buffer: cut, terminated, never overrun. */
	text[5] = 'X';
	assert_int_equal(ctl_expiry_text(text, 5, x, na + 5), 4);
	assert_int_equal(text[4], '\0');
	assert_int_equal(text[5], 'X');
	assert_int_equal(ctl_cert_expiry(NULL, 0, &secs), CTL_EXPIRY_UNKNOWN);
	assert_string_equal(ctl_expiry_name(CTL_EXPIRY_EXPIRED), "expired");
	assert_string_equal(ctl_expiry_name(CTL_EXPIRY_SOON), "expires-soon");
	X509_free(x);
}

static void test_key_types(void **state)
{
	static const struct { const char *alg, *curve, *want; } cases[] = {
		{ "EC", "P-256", "ECDSA P-256" },
		{ "EC", "P-384", "ECDSA P-384" },
		{ "EC", "P-521", "ECDSA P-521" },
		{ "EC", "secp256k1", "ECDSA secp256k1" },
		{ "ED25519", NULL, "Ed25519" },
	};
	X509 *rsa = test_cert("pub");
	char name[32];

	(void)state;
	assert_string_equal(ctl_key_type(name, sizeof(name), X509_get0_pubkey(rsa)), "RSA");
	assert_string_equal(ctl_key_type(name, sizeof(name), NULL), "");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EVP_PKEY *pk = cases[i].curve != NULL
				       ? EVP_PKEY_Q_keygen(NULL, NULL, cases[i].alg, cases[i].curve)
				       : EVP_PKEY_Q_keygen(NULL, NULL, cases[i].alg);

		assert_non_null(pk);
		assert_string_equal(ctl_key_type(name, sizeof(name), pk), cases[i].want);
		/* Cut to the buffer, terminated. */
		assert_int_equal(strlen(ctl_key_type(name, 4, pk)), 3);
		EVP_PKEY_free(pk);
	}
	X509_free(rsa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expiry_edges),
		cmocka_unit_test(test_key_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
