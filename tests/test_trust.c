/*
 * test_trust.c - the phone-trust model (trustlist/trust.c, store.c): will
 * phones holding the current files take new ones, step by step and per
 * phone class? The seed scenarios end to end are the scripts in tests/trust; these
 * pin the library's rules one at a time.
 */
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
	assert_true(ctl_verify(f, &err, NULL, NULL, NULL));
	for (size_t i = 0; i < n; i++)
		X509_free(x[i]);
	free(out);
	ctl_signer_free(s);
}

static const uint16_t ctl_roles[] = { ROLE_SAST, ROLE_CCM_TFTP, ROLE_CAPF };
static const uint16_t itl_roles[] = { ROLE_SAST, ROLE_CCM_TFTP, ROLE_TVS, ROLE_CAPF };

/* store_of: a trust store holding the tests/data certificates named. */
static struct ctl_trust_store *store_of(const char *const *names, size_t n)
{
	struct ctl_trust_store *s = ctl_trust_store_new();
	struct ctl_err err;

	assert_non_null(s);
	ctl_err_init(&err);
	for (size_t i = 0; i < n; i++) {
		X509 *x = test_cert(names[i]);

		assert_true(ctl_trust_store_add(s, &err, x));
		X509_free(x);
	}
	return s;
}

/* plan runs ctl_trust_plan over files (labels f1, f2, ...) into st. */
static void plan(struct ctl_trust_step *st, const struct ctl_file *ctl,
		 const struct ctl_file *itl, const struct ctl_trust_store *store,
		 const struct ctl_file *const *files, size_t n)
{
	static const char *const names[] = { "f1", "f2", "f3", "f4" };
	struct ctl_trust_input in = { ctl, itl, "ctl0", "itl0", store, "store", NULL, 0,
				      files, names, n, 0 };
	struct ctl_err err;

	ctl_err_init(&err);
	assert_true(ctl_trust_plan(st, &err, &in));
}

static void test_ctl_changes(void **state)
{
	static const char *const cur[] = { "pub", "pub", "capf" };
	static const char *const with_rec[] = { "pub", "itlrecovery", "capf" };
	static const char *const by_rec[] = { "itlrecovery", "pub", "capf" };
	static const char *const itl[] = { "pub", "pub", "tvs", "capf" };
	struct ctl_file old, step1, step2, cur_itl;
	char why[CTL_REASON_MAX];

	(void)state;
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
	assert_non_null(strstr(why, "trust store, which was not given"));
	/* With the CTL alone the phones' ITL is unknown, not absent: it
	 * depends (the old model called this "deleted by hand"). */
	assert_int_equal(ctl_assess_trust(&step2, &old, NULL, why, sizeof(why)), TRUST_TVS);
	assert_non_null(strstr(why, "the ITL it holds, which was not given"));
	/* A phone with nothing trusts the first file. */
	assert_int_equal(ctl_assess_trust(&step2, NULL, NULL, why, sizeof(why)), TRUST_FIRST);
	ctl_file_cleanup(&old);
	ctl_file_cleanup(&step1);
	ctl_file_cleanup(&step2);
	ctl_file_cleanup(&cur_itl);
}

/* Seed 001: regenerating CallManager.pem and TVS.pem together strands
 * ITL-only phones; regenerating one at a time does not. */
static void test_itl_regeneration(void **state)
{
	static const char *const old_c[] = { "pub", "pub", "tvs", "capf" };
	static const char *const cm_only[] = { "sub1", "sub1", "tvs", "capf" };
	static const char *const both[] = { "sub1", "sub1", "itlrecovery", "capf" };
	static const char *const in_store[] = { "sub1", "tvs", "capf" };
	struct ctl_trust_store *store = store_of(in_store, 3);
	struct ctl_file old, a, b, same;
	struct ctl_trust_step st[1];
	char why[CTL_REASON_MAX];

	(void)state;
	make(&old, KIND_ITL, "pub", old_c, itl_roles, 4);
	make(&same, KIND_ITL, "pub", old_c, itl_roles, 4);
	make(&a, KIND_ITL, "sub1", cm_only, itl_roles, 4);
	make(&b, KIND_ITL, "sub1", both, itl_roles, 4);
	assert_int_equal(ctl_assess_trust(&same, NULL, &old, why, sizeof(why)), TRUST_DIRECT);
	assert_int_equal(ctl_assess_trust(&a, NULL, &old, why, sizeof(why)), TRUST_TVS);
	assert_int_equal(ctl_assess_trust(&b, NULL, &old, why, sizeof(why)), TRUST_NONE);
	assert_non_null(strstr(why, "TVS.pem changed too"));
	/* With the store: the CallManager-only change goes through TVS. */
	plan(st, NULL, &old, store, (const struct ctl_file *[]){ &a }, 1);
	assert_int_equal(st[0].phone[PHONE_SBD].verdict, VERDICT_TVS);
	assert_int_equal(st[0].phone[PHONE_NO_SBD].verdict, VERDICT_NOT_USED);
	assert_int_equal(st[0].phone[PHONE_EMPTY].verdict, VERDICT_FIRST);
	assert_string_equal(st[0].phone[PHONE_SBD].holds[0].itl, "f1");
	assert_int_equal(st[0].phone[PHONE_SBD].nholds, 1);
	/* A CTL-holding phone takes a new ITL signed by the CTL's CCM+TFTP. */
	{
		static const char *const ctl_c[] = { "pub", "sub1", "capf" };
		struct ctl_file ctl;

		make(&ctl, KIND_CTL, "pub", ctl_c, ctl_roles, 3);
		assert_int_equal(ctl_assess_trust(&b, &ctl, &old, why, sizeof(why)), TRUST_DIRECT);
		assert_non_null(strstr(why, "CCM+TFTP of the held CTL"));
		ctl_file_cleanup(&ctl);
	}
	ctl_trust_store_free(store);
	ctl_file_cleanup(&old);
	ctl_file_cleanup(&same);
	ctl_file_cleanup(&a);
	ctl_file_cleanup(&b);
}

/*
 * The download order: a CTL before the ITL of its publication; a kind
 * seen again starts the next publication. The ITL is judged against the
 * CTL just taken, and a refused file leaves the old one held.
 */
static void test_download_order(void **state)
{
	static const char *const ctl0[] = { "pub", "pub", "capf" };
	static const char *const ctl1[] = { "sub1", "sub1", "capf" };
	static const char *const itl0[] = { "pub", "pub", "tvs", "capf" };
	static const char *const itl1[] = { "sub1", "sub1", "tvs", "capf" };
	/* The store TVS reads holds its own TVS.pem too (R18a). */
	static const char *const in_store[] = { "sub1", "tvs" };
	struct ctl_trust_store *store = store_of(in_store, 2);
	struct ctl_file c0, c1, i0, i1;
	struct ctl_trust_step st[4];

	(void)state;
	make(&c0, KIND_CTL, "pub", ctl0, ctl_roles, 3);
	make(&c1, KIND_CTL, "sub1", ctl1, ctl_roles, 3);
	make(&i0, KIND_ITL, "pub", itl0, itl_roles, 4);
	make(&i1, KIND_ITL, "sub1", itl1, itl_roles, 4);
	/* Given ITL first: judged CTL first. */
	plan(st, &c0, &i0, store, (const struct ctl_file *[]){ &i1, &c1 }, 2);
	assert_int_equal(st[0].file, 1);
	assert_int_equal(st[1].file, 0);
	assert_true(st[0].tvs_known);
	assert_int_equal(st[0].phone[PHONE_SBD].verdict, VERDICT_TVS);
	assert_int_equal(st[0].phone[PHONE_NO_SBD].verdict, VERDICT_STRANDED);
	assert_int_equal(st[1].phone[PHONE_SBD].verdict, VERDICT_DIRECT);
	assert_non_null(strstr(st[1].phone[PHONE_SBD].reason, "the CTL f2 taken at step 1"));
	/* The stranded phone keeps its CTL. */
	assert_string_equal(st[1].phone[PHONE_NO_SBD].holds[0].ctl, "ctl0");
	assert_null(st[1].phone[PHONE_NO_SBD].holds[0].itl);
	/* Two CTLs then an ITL: three steps, in that order; the ITL goes
	 * with the second CTL. */
	plan(st, &c0, &i0, store, (const struct ctl_file *[]){ &c0, &c1, &i1 }, 3);
	assert_int_equal(st[0].file, 0);
	assert_int_equal(st[1].file, 1);
	assert_int_equal(st[2].file, 2);
	assert_false(st[0].tvs_known);      /* no ITL published with it */
	assert_true(st[1].tvs_known);
	/* Without a store the SBD phone's CTL depends, and so does the ITL:
	 * taken directly if TVS vouched for the CTL, through TVS otherwise. */
	plan(st, &c0, &i0, NULL, (const struct ctl_file *[]){ &c1, &i1 }, 2);
	assert_int_equal(st[0].phone[PHONE_SBD].verdict, VERDICT_DEPENDS);
	assert_int_equal(st[0].phone[PHONE_SBD].nholds, 2);
	assert_string_equal(st[0].phone[PHONE_SBD].holds[0].ctl, "f1");
	assert_string_equal(st[0].phone[PHONE_SBD].holds[1].ctl, "ctl0");
	assert_int_equal(st[1].phone[PHONE_SBD].verdict, VERDICT_DEPENDS);
	assert_non_null(strstr(st[1].phone[PHONE_SBD].reason,
			       "it depends on what TVS said at earlier steps: holding CTL f1 and ITL itl0, it takes it"));
	assert_int_equal(st[1].phone[PHONE_SBD].outcomes,
			 (1u << VERDICT_DIRECT) | (1u << VERDICT_DEPENDS));
	/* Every class, every step has a reason. */
	for (int i = 0; i < 2; i++)
		for (int c = 0; c < CTL_NPHONES; c++)
			assert_true(st[i].phone[c].reason[0] != '\0');
	ctl_trust_store_free(store);
	ctl_file_cleanup(&c0);
	ctl_file_cleanup(&c1);
	ctl_file_cleanup(&i0);
	ctl_file_cleanup(&i1);
}

/* --tvs names what TVS presents, over the new ITL's TVS records. */
static void test_tvs_given(void **state)
{
	static const char *const ctl0[] = { "pub", "pub", "capf" };
	static const char *const ctl1[] = { "sub1", "sub1", "capf" };
	static const char *const itl0[] = { "pub", "pub", "tvs", "capf" };
	static const char *const in_store[] = { "sub1", "tvs" };
	static const char *const names[] = { "f1" };
	struct ctl_trust_store *store = store_of(in_store, 2);
	struct ctl_file c0, c1, i0;
	struct ctl_trust_step st[1];
	X509 *tvs[1];
	struct ctl_trust_input in;
	struct ctl_err err;

	(void)state;
	make(&c0, KIND_CTL, "pub", ctl0, ctl_roles, 3);
	make(&c1, KIND_CTL, "sub1", ctl1, ctl_roles, 3);
	make(&i0, KIND_ITL, "pub", itl0, itl_roles, 4);
	ctl_err_init(&err);
	for (int k = 0; k < 2; k++) {
		tvs[0] = test_cert(k == 0 ? "tvs" : "itlrecovery");
		in = (struct ctl_trust_input){ &c0, &i0, "ctl0", "itl0", store, "store", tvs, 1,
					       (const struct ctl_file *[]){ &c1 }, names, 1, 0 };
		assert_true(ctl_trust_plan(st, &err, &in));
		assert_true(st[0].tvs_known);
		assert_int_equal(st[0].phone[PHONE_SBD].verdict, k == 0 ? VERDICT_TVS : VERDICT_STRANDED);
		X509_free(tvs[0]);
	}
	/*
	 * R18a (review C): a store without the certificate of the TVS the
	 * phone trusts is probably another cluster's: depends, not tvs.
	 */
	ctl_trust_store_free(store);
	store = store_of(in_store, 1);
	tvs[0] = test_cert("tvs");
	in = (struct ctl_trust_input){ &c0, &i0, "ctl0", "itl0", store, "store", tvs, 1,
				       (const struct ctl_file *[]){ &c1 }, names, 1, 1 };
	assert_true(ctl_trust_plan(st, &err, &in));
	assert_int_equal(st[0].phone[PHONE_SBD].verdict, VERDICT_DEPENDS);
	assert_non_null(strstr(st[0].phone[PHONE_SBD].reason,
			       "but the trust store store does not hold that TVS's certificate"));
	assert_non_null(strstr(st[0].phone[PHONE_SBD].reason, "the old cluster"));
	X509_free(tvs[0]);
	ctl_trust_store_free(store);
	ctl_file_cleanup(&c0);
	ctl_file_cleanup(&c1);
	ctl_file_cleanup(&i0);
}

/* The store compares whole certificates; duplicates count once. */
static void test_store(void **state)
{
	static const char *const names[] = { "pub", "capf", "pub" };
	struct ctl_trust_store *s = store_of(names, 3);
	X509 *pub = test_cert("pub"), *sub1 = test_cert("sub1");
	unsigned char *der = NULL;
	int n;

	(void)state;
	assert_int_equal(ctl_trust_store_count(s), 2);
	n = i2d_X509(pub, &der);
	assert_true(n > 0);
	assert_true(ctl_trust_store_has(s, der, (size_t)n));
	der[n - 1] ^= 1;    /* one bit off: another certificate */
	assert_false(ctl_trust_store_has(s, der, (size_t)n));
	assert_false(ctl_trust_store_has(s, der, (size_t)n - 1));
	OPENSSL_free(der);
	der = NULL;
	n = i2d_X509(sub1, &der);
	assert_false(ctl_trust_store_has(s, der, (size_t)n));
	assert_false(ctl_trust_store_has(NULL, der, (size_t)n));
	assert_int_equal(ctl_trust_store_count(NULL), 0);
	OPENSSL_free(der);
	X509_free(pub);
	X509_free(sub1);
	ctl_trust_store_free(s);
	ctl_trust_store_free(NULL);
}

/* A file that is not a trust list, or does not name its signer, gets no verdict. */
static void test_refused_inputs(void **state)
{
	static const char *const cur[] = { "pub", "pub", "capf" };
	static const char *const names[] = { "SEP.cnf.xml.sgn" };
	struct ctl_file ctl;
	struct ctl_trust_step st[1];
	struct ctl_trust_input in;
	struct ctl_err err;

	(void)state;
	make(&ctl, KIND_CTL, "pub", cur, ctl_roles, 3);
	ctl.kind = KIND_SGN;
	in = (struct ctl_trust_input){ NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
				       (const struct ctl_file *[]){ &ctl }, names, 1, 0 };
	ctl_err_init(&err);
	assert_false(ctl_trust_plan(st, &err, &in));
	assert_non_null(strstr(err.msg, "judge it with `sgn verify`"));
	ctl.kind = KIND_CTL;
	ctl.recs[0].cert.present = 0; /* as a CERTHASH-only signer would be */
	in.files = (const struct ctl_file *[]){ &ctl };
	ctl_err_init(&err);
	assert_false(ctl_trust_plan(st, &err, &in));
	assert_int_equal(err.code, CTL_E_VERIFY);
	ctl_file_cleanup(&ctl);
}

/* Which TFTP certificate of the held files verifies a .sgn. */
static void test_sgn_holder(void **state)
{
	static const char *const ctl_c[] = { "itlrecovery", "sub1", "pub" };
	static const char *const itl_c[] = { "itlrecovery", "pub", "tvs", "capf" };
	static const char *const sast_only[] = { "pub", "capf", "tvs", "capf" };
	struct ctl_build_opts o = { .kind = KIND_SGN, .digest = DIGEST_SHA1,
				    .timestamp = SEED_TIMESTAMP, .filename = "SEP1.cnf.xml.sgn",
				    .ver_major = 1, .ver_minor = 2 };
	struct ctl_signer *s = test_signer("pub");
	struct ctl_file ctl, itl, bare, sgn;
	struct ctl_err err;
	uint8_t *out;
	size_t len, idx;
	int which;

	(void)state;
	make(&ctl, KIND_CTL, "itlrecovery", ctl_c,
	     (const uint16_t[]){ ROLE_SAST, ROLE_CCM_TFTP, ROLE_TFTP }, 3);
	make(&itl, KIND_ITL, "itlrecovery", itl_c, itl_roles, 4);
	/* pub only as the SAST of this ITL: a SAST never vouches for a .sgn. */
	make(&bare, KIND_ITL, "pub", sast_only,
	     (const uint16_t[]){ ROLE_SAST, ROLE_CAPF, ROLE_TVS, ROLE_CAPF }, 4);
	ctl_err_init(&err);
	assert_true(ctl_build(&err, &out, &len, &o, s, NULL, 0, (const uint8_t *)"<x/>", 4));
	assert_true(ctl_parse(&sgn, &err, out, len, PARSE_SIGNED));
	assert_true(ctl_sgn_holder(&sgn, &ctl, &itl, &which, &idx));
	assert_int_equal(which, 0);
	assert_int_equal(idx, 2);            /* the CTL's TFTP record */
	assert_true(ctl_sgn_holder(&sgn, NULL, &itl, &which, &idx));
	assert_int_equal(which, 1);
	assert_int_equal(idx, 1);            /* the ITL's CCM+TFTP record */
	assert_false(ctl_sgn_holder(&sgn, NULL, &bare, &which, &idx));
	assert_false(ctl_sgn_holder(&sgn, NULL, NULL, &which, &idx));
	free(out);
	ctl_signer_free(s);
	ctl_file_cleanup(&sgn);
	ctl_file_cleanup(&ctl);
	ctl_file_cleanup(&itl);
	ctl_file_cleanup(&bare);
}

/* utf8_ok: is s whole UTF-8 sequences (no sequence cut at its end)? */
static int utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != 0) {
		size_t need = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 0;

		if (need == 0)
			return 0;
		for (size_t i = 1; i < need; i++)
			if ((p[i] & 0xC0) != 0x80)
				return 0;
		p += need;
	}
	return 1;
}

/*
 * n1: a reason too long for its buffer is cut at a character boundary,
 * whichever byte the cut falls on, and keeps its end within the buffer.
 */
static void test_reason_cut(void **state)
{
	static const char *const cur[] = { "pub", "pub", "capf" };
	static const char *const neu[] = { "sub1", "sub1", "capf" };
	struct ctl_file c0, c1;
	struct ctl_trust_step st[1];
	struct ctl_err err;
	char *name = malloc(3 * 4000 + 4);

	(void)state;
	assert_non_null(name);
	make(&c0, KIND_CTL, "pub", cur, ctl_roles, 3);
	make(&c1, KIND_CTL, "sub1", neu, ctl_roles, 3);
	for (size_t shift = 0; shift < 3; shift++) {
		const char *names[1] = { "new" };
		struct ctl_trust_input in = { &c0, NULL, name, NULL, NULL, NULL, NULL, 0,
					      (const struct ctl_file *[]){ &c1 }, names, 1, 0 };
		size_t n = 0;

		for (size_t i = 0; i < shift; i++)
			name[n++] = 'x';
		for (size_t i = 0; i < 4000; i++) {  /* U+20AC, three bytes each */
			name[n++] = (char)0xE2;
			name[n++] = (char)0x82;
			name[n++] = (char)0xAC;
		}
		name[n] = '\0';
		ctl_err_init(&err);
		assert_true(ctl_trust_plan(st, &err, &in));
		for (int c = 0; c < CTL_NPHONES; c++) {
			assert_true(strlen(st[0].phone[c].reason) < CTL_REASON_MAX);
			assert_true(utf8_ok(st[0].phone[c].reason));
		}
		assert_true(strlen(st[0].phone[PHONE_NO_SBD].reason) > 1000); /* the name, cut */
	}
	free(name);
	ctl_file_cleanup(&c0);
	ctl_file_cleanup(&c1);
}

/* n4: an ITL with more TVS records than the model judges is refused. */
static void test_tvs_max(void **state)
{
	struct ctl_build_opts o = { .kind = KIND_ITL, .digest = DIGEST_SHA1,
				    .timestamp = SEED_TIMESTAMP, .filename = "ITLFile.tlv",
				    .ver_major = 1, .ver_minor = 2 };
	static const char *const names[1] = { "ITLFile.tlv" };
	struct ctl_signer *s = test_signer("pub");
	struct ctl_rec_spec specs[66];
	X509 *pub = test_cert("pub"), *tvs = test_cert("tvs");
	struct ctl_trust_step st[1];
	struct ctl_trust_input in;
	struct ctl_file f;
	struct ctl_err err;
	uint8_t *out;
	size_t len;

	(void)state;
	specs[0] = (struct ctl_rec_spec){ .role = ROLE_SAST, .cert = pub,
					  .style = ctl_style_for(KIND_ITL, ROLE_SAST) };
	for (size_t i = 1; i < 66; i++)
		specs[i] = (struct ctl_rec_spec){ .role = ROLE_TVS, .cert = tvs,
						  .style = ctl_style_for(KIND_ITL, ROLE_TVS) };
	ctl_err_init(&err);
	assert_true(ctl_build(&err, &out, &len, &o, s, specs, 66, NULL, 0));
	assert_true(ctl_parse(&f, &err, out, len, PARSE_RECORDS));
	assert_true(ctl_verify(&f, &err, NULL, NULL, NULL));
	in = (struct ctl_trust_input){ NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
				       (const struct ctl_file *[]){ &f }, names, 1, 0 };
	assert_false(ctl_trust_plan(st, &err, &in));
	assert_int_equal(err.code, CTL_E_USAGE);
	assert_non_null(strstr(err.msg, "65 TVS records, more than the 64"));
	/* 64 are judged. */
	ctl_file_cleanup(&f);
	free(out);
	ctl_err_init(&err);
	assert_true(ctl_build(&err, &out, &len, &o, s, specs, 65, NULL, 0));
	assert_true(ctl_parse(&f, &err, out, len, PARSE_RECORDS));
	assert_true(ctl_verify(&f, &err, NULL, NULL, NULL));
	in.files = (const struct ctl_file *[]){ &f };
	assert_true(ctl_trust_plan(st, &err, &in));
	ctl_file_cleanup(&f);
	free(out);
	X509_free(pub);
	X509_free(tvs);
	ctl_signer_free(s);
}

/*
 * d4: every holding a phone may be in is judged. Two steps depend on TVS
 * for different reasons; a later step is direct in some holdings and
 * needs TVS in another, so it depends, and every holding is listed.
 */
static void test_holdings(void **state)
{
	static const char *const ctl0[] = { "pub", "sub1", "capf" };
	static const char *const ctl1[] = { "itlrecovery", "itlrecovery", "capf" };
	static const char *const itl0[] = { "pub", "sub1", "tvs", "capf" };
	static const char *const itl1[] = { "itlrecovery", "itlrecovery", "tvs", "capf" };
	static const char *const itl2[] = { "sub1", "sub1", "tvs", "capf" };
	struct ctl_file c0, c1, i0, i1, i2;
	struct ctl_trust_step st[3];

	(void)state;
	make(&c0, KIND_CTL, "pub", ctl0, ctl_roles, 3);
	make(&c1, KIND_CTL, "itlrecovery", ctl1, ctl_roles, 3);
	make(&i0, KIND_ITL, "pub", itl0, itl_roles, 4);
	make(&i1, KIND_ITL, "itlrecovery", itl1, itl_roles, 4);
	make(&i2, KIND_ITL, "sub1", itl2, itl_roles, 4);
	/* No store: the CTL and then the ITL signed by itlrecovery depend. */
	plan(st, &c0, &i0, NULL, (const struct ctl_file *[]){ &c1, &i1, &i2 }, 3);
	assert_int_equal(st[0].phone[PHONE_SBD].verdict, VERDICT_DEPENDS);
	assert_int_equal(st[0].phone[PHONE_SBD].nholds, 2);
	/* Step 2: holding c1, i1 is direct (c1's CCM+TFTP); holding c0, TVS. */
	assert_int_equal(st[1].phone[PHONE_SBD].verdict, VERDICT_DEPENDS);
	assert_int_equal(st[1].phone[PHONE_SBD].outcomes,
			 (1u << VERDICT_DIRECT) | (1u << VERDICT_DEPENDS));
	assert_int_equal(st[1].phone[PHONE_SBD].nholds, 3);
	/* Step 3, i2 signed by sub1: holding i1 (c1, or c0 after TVS
	 * vouched for i1) needs TVS; holding c0 and i0 it is direct (a
	 * CCM+TFTP of c0). Not certain either way. */
	assert_int_equal(st[2].phone[PHONE_SBD].verdict, VERDICT_DEPENDS);
	assert_true(st[2].phone[PHONE_SBD].outcomes & (1u << VERDICT_DIRECT));
	assert_true(st[2].phone[PHONE_SBD].outcomes & (1u << VERDICT_DEPENDS));
	assert_non_null(strstr(st[2].phone[PHONE_SBD].reason,
			       "holding CTL ctl0 and ITL itl0, it takes it (its signer is a CCM+TFTP of the held CTL ctl0)"));
	/* A phone holding nothing takes the served CTL f1 first, then i2 is
	 * not signed by its CCM+TFTP: stranded, and no "delete" advice. */
	assert_int_equal(st[2].phone[PHONE_EMPTY].verdict, VERDICT_STRANDED);
	assert_non_null(strstr(st[2].phone[PHONE_EMPTY].reason, "the CTL f1 still served"));
	assert_null(strstr(st[2].phone[PHONE_SBD].reason, "delete the"));
	ctl_file_cleanup(&c0);
	ctl_file_cleanup(&c1);
	ctl_file_cleanup(&i0);
	ctl_file_cleanup(&i1);
	ctl_file_cleanup(&i2);
}

/* Verdict names are the JSON contract. */
static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ctl_verdict_name(VERDICT_DIRECT), "direct");
	assert_string_equal(ctl_verdict_name(VERDICT_FIRST), "first-file");
	assert_string_equal(ctl_verdict_name(VERDICT_TVS), "tvs");
	assert_string_equal(ctl_verdict_name(VERDICT_DEPENDS), "depends");
	assert_string_equal(ctl_verdict_name(VERDICT_STRANDED), "stranded");
	assert_string_equal(ctl_verdict_name(VERDICT_NOT_USED), "not-used");
	assert_string_equal(ctl_phone_name(PHONE_SBD), "sbd");
	assert_string_equal(ctl_phone_name(PHONE_NO_SBD), "no-sbd");
	assert_string_equal(ctl_phone_name(PHONE_EMPTY), "empty");
	assert_true(ctl_verdict_takes(VERDICT_TVS));
	assert_false(ctl_verdict_takes(VERDICT_DEPENDS));
	assert_false(ctl_verdict_takes(VERDICT_NOT_USED));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctl_changes),
		cmocka_unit_test(test_itl_regeneration),
		cmocka_unit_test(test_download_order),
		cmocka_unit_test(test_tvs_given),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_refused_inputs),
		cmocka_unit_test(test_sgn_holder),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_reason_cut),
		cmocka_unit_test(test_tvs_max),
		cmocka_unit_test(test_holdings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
