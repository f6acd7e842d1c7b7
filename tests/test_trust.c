/* test_trust.c - will phones holding the current files accept a new one? */
#include "testutil.h"

/* Builds a trust list signed by signer with records (role, cert) in order. */
static void make(struct ctl_file *f, enum ctl_kind kind, const char *signer,
		 const char *const *certs, const uint16_t *roles, size_t n)
{
	struct ctl_build_opts o = { .kind = kind, .digest = DIGEST_SHA1,
				    .timestamp = SEED_TIMESTAMP,
				    .filename = kind == KIND_ITL ? "ITLFile.tlv" : "CTLFile.tlv",
				    .ver_major = 1, .ver_minor = 2 };
	struct ctl_signer *s = test_signer(signer);
	struct ctl_rec_spec specs[8];
	X509 *x[8];
	struct ctl_err err;
	uint8_t *out;
	size_t len;

	for (size_t i = 0; i < n; i++) {
		x[i] = test_cert(certs[i]);
		specs[i] = (struct ctl_rec_spec){ .role = roles[i], .cert = x[i],
						  .style = ctl_style_for(kind, roles[i]) };
	}
	ctl_err_init(&err);
	assert_true(ctl_build(&err, &out, &len, &o, s, specs, n, NULL, 0));
	assert_true(ctl_parse(f, &err, out, len, PARSE_RECORDS));
	for (size_t i = 0; i < n; i++)
		X509_free(x[i]);
	free(out);
	ctl_signer_free(s);
}

static const uint16_t ctl_roles[] = { ROLE_SAST, ROLE_CCM_TFTP, ROLE_CAPF };
static const uint16_t itl_roles[] = { ROLE_SAST, ROLE_CCM_TFTP, ROLE_TVS, ROLE_CAPF };

static void test_ctl_changes(void **state)
{
	static const char *const cur[] = { "pub", "pub", "capf" };
	static const char *const with_rec[] = { "pub", "itlrecovery", "capf" };
	static const char *const by_rec[] = { "itlrecovery", "pub", "capf" };
	static const char *const itl[] = { "pub", "pub", "tvs", "capf" };
	struct ctl_file old, step1, step2, cur_itl, stranger;
	char why[512];

	make(&old, KIND_CTL, "pub", cur, ctl_roles, 3);
	make(&cur_itl, KIND_ITL, "pub", itl, itl_roles, 4);
	/* Step 1 of a signer change: still signed by pub, names ITLRecovery. */
	make(&step1, KIND_CTL, "pub", with_rec, (const uint16_t[]){ ROLE_SAST, ROLE_SAST, ROLE_CAPF }, 3);
	assert_int_equal(ctl_assess_trust(&step1, &old, NULL, why, sizeof(why)), TRUST_DIRECT);
	/* Step 2: signed by ITLRecovery, trusted by phones holding step 1... */
	make(&step2, KIND_CTL, "itlrecovery", by_rec, ctl_roles, 3);
	assert_int_equal(ctl_assess_trust(&step2, &step1, NULL, why, sizeof(why)), TRUST_DIRECT);
	/* ...but not by phones that skipped step 1: TVS or nothing. */
	assert_int_equal(ctl_assess_trust(&step2, &old, &cur_itl, why, sizeof(why)), TRUST_TVS);
	assert_non_null(strstr(why, "Security By Default"));
	assert_int_equal(ctl_assess_trust(&step2, &old, NULL, why, sizeof(why)), TRUST_NONE);
	assert_non_null(strstr(why, "deleted by hand"));
	/* A phone with nothing trusts the first file. */
	assert_int_equal(ctl_assess_trust(&step2, NULL, NULL, why, sizeof(why)), TRUST_FIRST);
	/* A file whose signer is not a SAST of itself verifies for no one. */
	make(&stranger, KIND_CTL, "sub1", cur, ctl_roles, 3);
	assert_int_equal(ctl_assess_trust(&stranger, NULL, &cur_itl, why, sizeof(why)), TRUST_NONE);
	ctl_file_cleanup(&old);
	ctl_file_cleanup(&step1);
	ctl_file_cleanup(&step2);
	ctl_file_cleanup(&cur_itl);
	ctl_file_cleanup(&stranger);
}

/* Seed 001: regenerating CallManager.pem and TVS.pem together strands
 * ITL-only phones; regenerating one at a time does not. */
static void test_itl_regeneration(void **state)
{
	static const char *const old_c[] = { "pub", "pub", "tvs", "capf" };
	static const char *const cm_only[] = { "sub1", "sub1", "tvs", "capf" };
	static const char *const both[] = { "sub1", "sub1", "itlrecovery", "capf" };
	struct ctl_file old, a, b, same;
	char why[512];

	make(&old, KIND_ITL, "pub", old_c, itl_roles, 4);
	make(&same, KIND_ITL, "pub", old_c, itl_roles, 4);
	make(&a, KIND_ITL, "sub1", cm_only, itl_roles, 4);
	make(&b, KIND_ITL, "sub1", both, itl_roles, 4);
	assert_int_equal(ctl_assess_trust(&same, NULL, &old, why, sizeof(why)), TRUST_DIRECT);
	assert_int_equal(ctl_assess_trust(&a, NULL, &old, why, sizeof(why)), TRUST_TVS);
	assert_int_equal(ctl_assess_trust(&b, NULL, &old, why, sizeof(why)), TRUST_NONE);
	assert_non_null(strstr(why, "TVS certificate changed"));
	/* A CTL-holding phone takes a new ITL signed by the CTL's CCM+TFTP. */
	{
		static const char *const ctl_c[] = { "pub", "sub1", "capf" };
		struct ctl_file ctl;

		make(&ctl, KIND_CTL, "pub", ctl_c, ctl_roles, 3);
		assert_int_equal(ctl_assess_trust(&b, &ctl, &old, why, sizeof(why)), TRUST_DIRECT);
		ctl_file_cleanup(&ctl);
	}
	ctl_file_cleanup(&old);
	ctl_file_cleanup(&same);
	ctl_file_cleanup(&a);
	ctl_file_cleanup(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctl_changes),
		cmocka_unit_test(test_itl_regeneration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
