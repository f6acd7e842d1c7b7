/* test_names.c - names and serials rendered as CUCM writes them. */
#include "testutil.h"

#include <openssl/bn.h>

static X509_NAME *name_of(const char *const *kv, size_t n)
{
	X509_NAME *name = X509_NAME_new();

	for (size_t i = 0; i < n; i += 2)
		assert_int_equal(X509_NAME_add_entry_by_txt(name, kv[i], MBSTRING_UTF8,
					(const unsigned char *)kv[i + 1], -1, -1, 0), 1);
	return name;
}

static void test_cucm_order(void **state)
{
	/* Certificate order C, ST, L, O, OU, CN; CUCM writes CN first. */
	static const char *const kv[] = { "C", "PL", "ST", "Malopolska", "L", "Krakow",
					  "O", "Cisco", "OU", "TAC", "CN", "cucm-1051-a-pub" };
	X509_NAME *n = name_of(kv, 12);
	char *s = ctl_name_render(n);

	assert_string_equal(s, "CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL");
	/* FORMAT.md: 62 bytes with the NUL. */
	assert_int_equal(strlen(s) + 1, 62);
	free(s);
	X509_NAME_free(n);
}

static void test_other_attributes_follow(void **state)
{
	static const char *const kv[] = { "emailAddress", "a@b.c", "C", "US", "DC", "lab",
					  "CN", "x", "OU", "one", "OU", "two" };
	X509_NAME *n = name_of(kv, 12);
	char *s = ctl_name_render(n);

	/* Both OUs in certificate order; others after, in certificate order. */
	assert_string_equal(s, "CN=x;OU=one;OU=two;C=US;emailAddress=a@b.c;DC=lab");
	free(s);
	X509_NAME_free(n);
}

static void test_utf8_and_empty(void **state)
{
	static const char *const kv[] = { "ST", "Ma\xc5\x82opolska", "CN", "n" };
	X509_NAME *n = name_of(kv, 4), *e = X509_NAME_new();
	char *s = ctl_name_render(n), *es = ctl_name_render(e);

	assert_string_equal(s, "CN=n;ST=Ma\xc5\x82opolska");
	assert_string_equal(es, "");
	free(s);
	free(es);
	X509_NAME_free(n);
	X509_NAME_free(e);
}

static void serial_case(const char *hex, const uint8_t *want, size_t want_len)
{
	X509 *x = X509_new();
	BIGNUM *bn = NULL;
	uint8_t out[64];

	assert_true(BN_hex2bn(&bn, hex) > 0);
	assert_non_null(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)));
	assert_int_equal(ctl_serial_bytes(x, out), want_len);
	assert_memory_equal(out, want, want_len);
	BN_free(bn);
	X509_free(x);
}

static void test_serials(void **state)
{
	/* An eToken serial, 10 bytes (FORMAT.md). */
	static const uint8_t etoken[] = { 0x83, 0xE9, 0x08, 0, 0, 0, 0x55, 0x45, 0xAF, 0x31 };
	static const uint8_t zero[] = { 0 };
	static const uint8_t small[] = { 0x05 };

	/* High bit set: DER adds a sign byte, the record must not. */
	serial_case("83E9080000005545AF31",
		    etoken, sizeof(etoken));
	serial_case("0", zero, 1);
	serial_case("5", small, 1);
}

/*
 * ctl_name_matches: the signer's certificate issuer against the rendered
 * name a file carries. Our rendering and the Windows CTL client's
 * (lower-case keys, quoted values) match; another value never does.
 */
static void test_name_matches(void **state)
{
	static const char *const kv[] = { "O", "Cisco Systems", "OU", "IPCBU",
					  "CN", "SAST-ADN008580ef " };
	static const struct {
		const char *s;
		int nul, want;
	} cases[] = {
		{ "CN=SAST-ADN008580ef ;OU=IPCBU;O=Cisco Systems", 1, 1 },
		{ "CN=SAST-ADN008580ef ;OU=IPCBU;O=Cisco Systems", 0, 1 },
		{ "cn=\"SAST-ADN008580ef \";ou=IPCBU;o=\"Cisco Systems\"", 1, 1 },
		{ "o=\"Cisco Systems\";cn=\"SAST-ADN008580ef \";ou=IPCBU", 0, 1 },
		/* values compare exactly: a space, a case, an attribute */
		{ "CN=SAST-ADN008580ef;OU=IPCBU;O=Cisco Systems", 1, 0 },
		{ "CN=sast-adn008580ef ;OU=IPCBU;O=Cisco Systems", 1, 0 },
		{ "CN=SAST-ADN008580ef ;OU=IPCBU", 1, 0 },
		{ "CN=SAST-ADN008580ef ;OU=IPCBU;O=Cisco Systems;C=US", 1, 0 },
		{ "CN=SAST-ADN008580ef ;CN=SAST-ADN008580ef ;O=Cisco Systems", 1, 0 },
		/* malformed */
		{ "", 1, 0 },
		{ "CN", 1, 0 },
		{ "=x;OU=IPCBU;O=Cisco Systems", 1, 0 },
		{ "cn=\"SAST-ADN008580ef ;ou=IPCBU;o=Cisco Systems", 1, 0 },
		{ "cn=\"SAST-ADN008580ef \"x;ou=IPCBU;o=Cisco Systems", 1, 0 },
	};
	X509_NAME *n = name_of(kv, 6);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].s) + (size_t)cases[i].nul;

		if (ctl_name_matches((const uint8_t *)cases[i].s, len, n) != cases[i].want)
			fail_msg("case %zu (%s): expected %d", i, cases[i].s, cases[i].want);
	}
	X509_NAME_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cucm_order),
		cmocka_unit_test(test_other_attributes_follow),
		cmocka_unit_test(test_utf8_and_empty),
		cmocka_unit_test(test_serials),
		cmocka_unit_test(test_name_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
