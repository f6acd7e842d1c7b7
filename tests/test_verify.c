/* test_verify.c - what makes a trust list valid, and each way it is not. */
#include "testutil.h"

#include <openssl/rsa.h>

struct fx {
	struct seed_cluster c;
	uint8_t *buf;
	size_t len;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	seed_cluster_init(&fx->c);
	seed_ctl(&fx->c, &fx->buf, &fx->len);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	free(fx->buf);
	seed_cluster_cleanup(&fx->c);
	free(fx);
	return 0;
}

/* Parses buf and verifies it; returns the verdict's code. */
static enum ctl_code verdict(const uint8_t *buf, size_t len, struct ctl_err *err,
			     struct ctl_key_cache *cache)
{
	struct ctl_file f;
	int ok;

	ctl_err_init(err);
	if (!ctl_parse(&f, err, buf, len, PARSE_AUTO))
		return err->code;
	ok = ctl_verify(&f, err, NULL, cache, NULL);
	ctl_file_cleanup(&f);
	return ok ? CTL_OK : err->code;
}

static void test_valid(void **state)
{
	struct fx *fx = *state;
	struct ctl_verify_result vr;
	struct ctl_file f;
	struct ctl_err err;
	uint8_t md5[16], sha1[20];

	ctl_err_init(&err);
	assert_true(ctl_parse(&f, &err, fx->buf, fx->len, PARSE_AUTO));
	assert_true(ctl_verify(&f, &err, &vr, NULL, NULL));
	assert_int_equal(vr.signer_index, 0);
	assert_int_equal(ctl_find_signer(&f), 0);
	assert_true(ctl_checksums(&f, md5, sha1));
	/* The file's MD5 and SHA-1, as an independent digest makes them. */
	{
		uint8_t m2[16], s2[20];

		assert_int_equal(EVP_Digest(fx->buf, fx->len, m2, NULL, EVP_md5(), NULL), 1);
		assert_int_equal(EVP_Digest(fx->buf, fx->len, s2, NULL, EVP_sha1(), NULL), 1);
		assert_memory_equal(md5, m2, 16);
		assert_memory_equal(sha1, s2, 20);
	}
	ctl_file_cleanup(&f);
}

/* Every byte outside the SIGNATURE value is covered by the signature. */
static void test_every_byte_is_signed(void **state)
{
	struct fx *fx = *state;
	struct ctl_key_cache *cache = ctl_key_cache_new();
	struct ctl_file f;
	struct ctl_err err;
	size_t sig_from, sig_to;
	uint8_t *copy = malloc(fx->len);

	ctl_err_init(&err);
	assert_true(ctl_parse(&f, &err, fx->buf, fx->len, PARSE_AUTO));
	sig_from = f.signature.off;
	sig_to = f.signature.off + 3 + f.signature.n;
	ctl_file_cleanup(&f);
	/* Flip one bit at a time in every value byte we can reach without
	 * breaking the structure: the DNS name, IP and names of record 2. */
	for (size_t off = 0; off < fx->len; off += 7) {
		enum ctl_code code;

		memcpy(copy, fx->buf, fx->len);
		copy[off] ^= 0x01;
		code = verdict(copy, fx->len, &err, cache);
		if (off >= sig_from + 3 && off < sig_to) {
			/* A flipped signature byte never verifies. */
			assert_int_equal(code, CTL_E_VERIFY);
			continue;
		}
		/* Anywhere else: malformed, or a failed verification: never OK. */
		assert_int_not_equal(code, CTL_OK);
	}
	free(copy);
	ctl_key_cache_free(cache);
}

static void test_signer_absent(void **state)
{
	struct fx *fx = *state;
	struct ctl_build_opts o = { .kind = KIND_CTL, .digest = DIGEST_SHA1,
				    .timestamp = SEED_TIMESTAMP, .filename = "CTLFile.tlv",
				    .ver_major = 1, .ver_minor = 2 };
	struct ctl_err err;
	uint8_t *out;
	size_t len;

	/* Records 2-4 only: the signer's certificate is a CCM+TFTP record,
	 * not a SAST: a phone does not take it as a signer. */
	ctl_err_init(&err);
	assert_true(ctl_build(&err, &out, &len, &o, fx->c.signer, fx->c.specs + 1, 3, NULL, 0));
	assert_int_equal(verdict(out, len, &err, NULL), CTL_E_VERIFY);
	assert_non_null(strstr(err.msg, "is not a SAST record"));
	free(out);
	/* No records at all. */
	assert_true(ctl_build(&err, &out, &len, &o, fx->c.signer, NULL, 0, NULL, 0));
	assert_int_equal(verdict(out, len, &err, NULL), CTL_E_VERIFY);
	free(out);
}

static void test_signed_by_another_key(void **state)
{
	struct fx *fx = *state;
	struct ctl_build_opts o = { .kind = KIND_CTL, .digest = DIGEST_SHA1,
				    .timestamp = SEED_TIMESTAMP, .filename = "CTLFile.tlv",
				    .ver_major = 1, .ver_minor = 2 };
	struct ctl_signer *other = test_signer("sub1");
	struct ctl_rec_spec specs[4];
	struct ctl_file f;
	struct ctl_err err;
	uint8_t *out;
	size_t len;

	/* sub1 signs; its SAST record is there, but we swap the signer name
	 * for the publisher's: the publisher's key must then fail. */
	memcpy(specs, fx->c.specs, sizeof(specs));
	specs[1].role = ROLE_SAST;
	specs[1].cert = fx->c.sub1;
	ctl_err_init(&err);
	assert_true(ctl_build(&err, &out, &len, &o, other, specs, 4, NULL, 0));
	assert_int_equal(verdict(out, len, &err, NULL), CTL_OK);
	assert_true(ctl_parse(&f, &err, out, len, PARSE_AUTO));
	assert_int_equal(ctl_find_signer(&f), 1);
	ctl_file_cleanup(&f);
	free(out);
	/* The publisher's record as signer, a signature by sub1's key. */
	{
		struct ctl_signer fake = *other;

		fake.cert = fx->c.pub; /* names the publisher, signs with sub1 */
		assert_true(ctl_build(&err, &out, &len, &o, &fake, fx->c.specs, 4, NULL, 0));
		assert_int_equal(verdict(out, len, &err, NULL), CTL_E_VERIFY);
		assert_non_null(strstr(err.msg, "does not verify"));
		free(out);
	}
	ctl_signer_free(other);
}

/*
 * One cache, one signer, files of every digest in turn: the key's verify
 * context keeps the digest last set, and must take each file's own (a
 * stale SHA-1 on a SHA-256 file fails PKCS#1's DigestInfo check).
 */
static void test_digest_switch(void **state)
{
	static const uint8_t order[] = { DIGEST_SHA256, DIGEST_SHA1, DIGEST_SHA512,
					 DIGEST_SHA1, DIGEST_SHA256, DIGEST_SHA256 };
	struct fx *fx = *state;
	struct ctl_key_cache *cache = ctl_key_cache_new();
	uint8_t *out[DIGEST_SHA512 + 1] = { NULL };
	size_t len[DIGEST_SHA512 + 1] = { 0 };
	struct ctl_err err;

	assert_non_null(cache);
	for (uint8_t d = DIGEST_SHA1; d <= DIGEST_SHA512; d++) {
		struct ctl_build_opts o = { .kind = KIND_CTL, .digest = d,
					    .timestamp = SEED_TIMESTAMP,
					    .filename = "CTLFile.tlv",
					    .ver_major = 1, .ver_minor = 2 };

		ctl_err_init(&err);
		assert_true(ctl_build(&err, &out[d], &len[d], &o, fx->c.signer,
				      fx->c.specs, 4, NULL, 0));
	}
	for (size_t i = 0; i < sizeof(order); i++)
		assert_int_equal(verdict(out[order[i]], len[order[i]], &err, cache), CTL_OK);
	/* A SHA-256 file's signature bytes under a SHA-1 file's header: refused. */
	{
		struct ctl_file a, b;
		uint8_t *mix;

		ctl_err_init(&err);
		assert_true(ctl_parse(&a, &err, out[DIGEST_SHA1], len[DIGEST_SHA1], PARSE_AUTO));
		assert_true(ctl_parse(&b, &err, out[DIGEST_SHA256], len[DIGEST_SHA256], PARSE_AUTO));
		assert_int_equal(a.signature.n, b.signature.n);
		mix = malloc(len[DIGEST_SHA1]);
		assert_non_null(mix);
		memcpy(mix, out[DIGEST_SHA1], len[DIGEST_SHA1]);
		memcpy(mix + (a.signature.p - a.buf), b.signature.p, b.signature.n);
		assert_int_equal(verdict(mix, len[DIGEST_SHA1], &err, cache), CTL_E_VERIFY);
		free(mix);
		ctl_file_cleanup(&a);
		ctl_file_cleanup(&b);
	}
	for (uint8_t d = DIGEST_SHA1; d <= DIGEST_SHA512; d++)
		free(out[d]);
	ctl_key_cache_free(cache);
}

/* Locates the first occurrence of record i's field and corrupts it. */
static void test_record_disagrees_with_cert(void **state)
{
	struct fx *fx = *state;
	struct ctl_file f;
	struct ctl_err err;
	uint8_t *copy = malloc(fx->len);
	size_t off;

	ctl_err_init(&err);
	assert_true(ctl_parse(&f, &err, fx->buf, fx->len, PARSE_AUTO));
	/* PUBLICKEY of record 3 changed: caught before the signature. */
	memcpy(copy, fx->buf, fx->len);
	off = f.recs[2].pubkey.off + 3 + 20;
	copy[off] ^= 0xff;
	assert_int_equal(verdict(copy, fx->len, &err, NULL), CTL_E_VERIFY);
	assert_non_null(strstr(err.msg, "record 3"));
	assert_non_null(strstr(err.msg, "PUBLICKEY does not match"));
	/* SERIALNUMBER of record 4. */
	memcpy(copy, fx->buf, fx->len);
	copy[f.recs[3].serial.off + 3] ^= 0x01;
	assert_int_equal(verdict(copy, fx->len, &err, NULL), CTL_E_VERIFY);
	assert_non_null(strstr(err.msg, "SERIALNUMBER does not match"));
	/* A CERTIFICATE that does not parse: malformed, not merely invalid. */
	memcpy(copy, fx->buf, fx->len);
	copy[f.recs[1].cert.off + 3] = 0x04; /* SEQUENCE -> OCTET STRING */
	assert_int_equal(verdict(copy, fx->len, &err, NULL), CTL_E_FORMAT);
	assert_non_null(strstr(err.msg, "record 2"));
	assert_non_null(strstr(err.msg, "CERTIFICATE"));
	ctl_file_cleanup(&f);
	free(copy);
}

/*
 * A cache seeded with certificates in hand (the build self-check) judges
 * exactly as one that parsed them: records are still compared with the
 * seeded certificate, and a seeded certificate that no record carries
 * lends its key to nobody.
 */
static void test_seeded_cache(void **state)
{
	struct fx *fx = *state;
	struct ctl_key_cache *cache = ctl_key_cache_new();
	struct ctl_file f;
	struct ctl_err err;
	uint8_t *copy = malloc(fx->len);
	X509 *tvs = test_cert("tvs");

	assert_non_null(cache);
	assert_true(ctl_key_cache_add(cache, fx->c.pub));
	assert_true(ctl_key_cache_add(cache, fx->c.pub)); /* no duplicate */
	assert_true(ctl_key_cache_add(cache, fx->c.capf));
	assert_true(ctl_key_cache_add(cache, fx->c.sub1));
	assert_true(ctl_key_cache_add(cache, tvs));
	assert_int_equal(verdict(fx->buf, fx->len, &err, cache), CTL_OK);

	ctl_err_init(&err);
	assert_true(ctl_parse(&f, &err, fx->buf, fx->len, PARSE_AUTO));
	memcpy(copy, fx->buf, fx->len);
	copy[f.recs[2].pubkey.off + 3 + 20] ^= 0xff;
	assert_int_equal(verdict(copy, fx->len, &err, cache), CTL_E_VERIFY);
	assert_non_null(strstr(err.msg, "record 3"));
	assert_non_null(strstr(err.msg, "PUBLICKEY does not match"));
	memcpy(copy, fx->buf, fx->len);
	copy[f.recs[3].serial.off + 3] ^= 0x01;
	assert_int_equal(verdict(copy, fx->len, &err, cache), CTL_E_VERIFY);
	assert_non_null(strstr(err.msg, "SERIALNUMBER does not match"));
	/* A flipped signature byte fails with the seeded key as without it. */
	memcpy(copy, fx->buf, fx->len);
	copy[f.signature.off + 3 + 5] ^= 0x01;
	assert_int_equal(verdict(copy, fx->len, &err, cache), CTL_E_VERIFY);
	assert_non_null(strstr(err.msg, "signature does not verify"));
	ctl_file_cleanup(&f);
	X509_free(tvs);
	free(copy);
	ctl_key_cache_free(cache);
}

static void test_unsigned(void **state)
{
	/* A header without SIGNATURE: well-formed, not valid. */
	static const uint8_t hdr[] = { 1, 0, 2, 1, 2, 2, 0, 2, 0, 12, 13, 13 };
	struct ctl_err err;

	assert_int_equal(verdict(hdr, sizeof(hdr), &err, NULL), CTL_E_VERIFY);
	assert_non_null(strstr(err.msg, "not signed"));
}

static void test_sgn_wrong_cert(void **state)
{
	struct ctl_file f;
	struct ctl_err err;
	X509 *sub1 = test_cert("sub1"), *pub = test_cert("pub");
	uint8_t *gold;
	size_t glen;

	gold = read_golden("SEP001122334455.cnf.xml.sgn", &glen);
	ctl_err_init(&err);
	assert_true(ctl_parse(&f, &err, gold, glen, PARSE_SIGNED));
	assert_false(ctl_verify(&f, &err, NULL, NULL, sub1));
	assert_int_equal(err.code, CTL_E_VERIFY);
	ctl_err_init(&err);
	assert_false(ctl_verify(&f, &err, NULL, NULL, NULL));
	assert_int_equal(err.code, CTL_E_USAGE);
	ctl_err_init(&err);
	assert_true(ctl_verify(&f, &err, NULL, NULL, pub));
	/* The payload is covered too. */
	gold[glen - 2] ^= 0x20;
	ctl_file_cleanup(&f);
	assert_true(ctl_parse(&f, &err, gold, glen, PARSE_SIGNED));
	assert_false(ctl_verify(&f, &err, NULL, NULL, pub));
	assert_int_equal(err.code, CTL_E_VERIFY);
	ctl_file_cleanup(&f);
	free(gold);
	X509_free(sub1);
	X509_free(pub);
}

/*
 * small_cert: a self-signed certificate on key, distinct from the others
 * by its serial (so by its signature, the cache's hash input).
 */
static X509 *small_cert(EVP_PKEY *key, long serial)
{
	X509 *x = X509_new();

	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"n", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

/* More distinct certificates than the old 64-entry cache held (it
 * evicted and re-parsed them): the verdict does not change. The cache
 * now holds 1,024, so nothing is evicted here; test_cache_bounded is
 * the eviction test. */
static void test_cache_eviction(void **state)
{
	enum { N = 70 };
	struct fx *fx = *state;
	struct ctl_build_opts o = { .kind = KIND_CTL, .digest = DIGEST_SHA1,
				    .timestamp = SEED_TIMESTAMP, .filename = "CTLFile.tlv",
				    .ver_major = 1, .ver_minor = 2 };
	struct ctl_rec_spec specs[N + 1];
	X509 *certs[N];
	EVP_PKEY *key = EVP_RSA_gen(1024);
	struct ctl_key_cache *cache = ctl_key_cache_new();
	struct ctl_err err;
	uint8_t *out;
	size_t len;

	assert_non_null(key);
	specs[0] = fx->c.specs[0];
	for (int i = 0; i < N; i++) {
		certs[i] = small_cert(key, i + 1);
		specs[i + 1] = (struct ctl_rec_spec){ .role = ROLE_CCM, .cert = certs[i] };
	}
	ctl_err_init(&err);
	assert_true(ctl_build(&err, &out, &len, &o, fx->c.signer, specs, N + 1, NULL, 0));
	for (int round = 0; round < 3; round++) {
		assert_int_equal(verdict(out, len, &err, cache), CTL_OK);
		assert_int_equal(verdict(fx->buf, fx->len, &err, cache), CTL_OK);
	}
	free(out);
	for (int i = 0; i < N; i++)
		X509_free(certs[i]);
	EVP_PKEY_free(key);
	ctl_key_cache_free(cache);
}

/*
 * The cache keeps at most 1,024 certificates, least recently used out
 * first: past that, evicted certificates are parsed again when asked
 * for, the survivors are the same objects, and verdicts do not change.
 */
static void test_cache_bounded(void **state)
{
	enum { N = 1100 };
	struct fx *fx = *state;
	struct ctl_key_cache *cache = ctl_key_cache_new();
	EVP_PKEY *key = EVP_RSA_gen(1024);
	X509 **certs = calloc(N, sizeof(*certs));
	unsigned char *der = NULL;
	const X509 *a, *b;
	struct ctl_err err;
	int n;

	assert_non_null(cache);
	assert_non_null(key);
	assert_non_null(certs);
	assert_true(ctl_key_cache_add(cache, fx->c.pub));
	for (int i = 0; i < N; i++) {
		certs[i] = small_cert(key, i + 1);
		assert_true(ctl_key_cache_add(cache, certs[i]));
	}
	/* The newest is still the object that was added ... */
	n = i2d_X509(certs[N - 1], &der);
	assert_true(n > 0);
	a = ctl_key_cache_cert(cache, der, (size_t)n);
	assert_ptr_equal(a, certs[N - 1]);
	OPENSSL_free(der);
	der = NULL;
	/* ... the oldest was evicted: parsed again, an equal certificate. */
	n = i2d_X509(certs[0], &der);
	assert_true(n > 0);
	b = ctl_key_cache_cert(cache, der, (size_t)n);
	assert_non_null(b);
	assert_ptr_not_equal(b, certs[0]);
	assert_int_equal(X509_cmp(b, certs[0]), 0);
	assert_ptr_equal(ctl_key_cache_cert(cache, der, (size_t)n), b);
	assert_null(ctl_key_cache_cert(NULL, der, (size_t)n));
	assert_null(ctl_key_cache_cert(cache, der, (size_t)n - 1));
	OPENSSL_free(der);
	/* The seeded signer was evicted too: the file still verifies. */
	assert_int_equal(verdict(fx->buf, fx->len, &err, cache), CTL_OK);
	assert_int_equal(verdict(fx->buf, fx->len, &err, cache), CTL_OK);
	for (int i = 0; i < N; i++)
		X509_free(certs[i]);
	free(certs);
	EVP_PKEY_free(key);
	ctl_key_cache_free(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_byte_is_signed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signer_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed_by_another_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_disagrees_with_cert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seeded_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest_switch, setup, teardown),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_sgn_wrong_cert),
		cmocka_unit_test_setup_teardown(test_cache_eviction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_bounded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
