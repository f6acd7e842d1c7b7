/* test_build.c - building trust lists and .sgn files in CUCM's layout. */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"

/* The worked sizes of FORMAT.md, from the seed-002 `show ctl` listing. */
static void test_worked_sizes(void **state)
{
	struct seed_cluster c;
	struct ctl_file f;
	struct ctl_err err;
	uint8_t *out;
	size_t len;

	seed_cluster_init(&c);
	seed_ctl(&c, &out, &len);
	ctl_err_init(&err);
	assert_true(ctl_parse(&f, &err, out, len, PARSE_AUTO));
	assert_int_equal(f.header_len, 336);
	assert_int_equal(f.nrecs, 4);
	assert_int_equal(f.recs[0].len, 1156); /* SAST (publisher cert) */
	assert_int_equal(f.recs[1].len, 1156); /* CCM+TFTP publisher */
	assert_int_equal(f.recs[2].len, 1138); /* CAPF */
	assert_int_equal(f.recs[3].len, 1161); /* CCM+TFTP subscriber */
	assert_int_equal(len, 4947);
	/* SIGNERID 2 149, SIGNATUREINFO 15, SIGNATUREALGOINFO 8. */
	assert_int_equal(f.elems[2].tag, HDR_SIGNERID);
	assert_int_equal(f.elems[2].n, 149);
	for (size_t i = 0; i < f.nelems; i++) {
		if (f.elems[i].tag == HDR_SIGNATUREINFO)
			assert_int_equal(f.elems[i].n, 15);
		if (f.elems[i].tag == HDR_SIGNATUREALGOINFO)
			assert_int_equal(f.elems[i].n, 8);
	}
	assert_int_equal(f.signer_name.n, 62);
	assert_int_equal(f.signer_serial.n, 16);
	assert_int_equal(f.filename.n, 12);
	assert_int_equal(f.kind, KIND_CTL);
	ctl_file_cleanup(&f);
	free(out);
	seed_cluster_cleanup(&c);
}

static void test_golden_ctl(void **state)
{
	struct seed_cluster c;
	uint8_t *out, *gold;
	size_t len, glen;

	seed_cluster_init(&c);
	seed_ctl(&c, &out, &len);
	gold = read_golden("CTLFile.tlv", &glen);
	assert_int_equal(len, glen);
	assert_memory_equal(out, gold, len);
	free(out);
	free(gold);
	seed_cluster_cleanup(&c);
}

/* The ITL of make-golden.sh: SAST+CCM+TFTP in full, TVS and CAPF by hash. */
static void test_golden_itl(void **state)
{
	struct ctl_build_opts o = { .kind = KIND_ITL, .digest = DIGEST_SHA1,
				    .timestamp = SEED_TIMESTAMP, .filename = "ITLFile.tlv",
				    .ver_major = 1, .ver_minor = 2 };
	struct ctl_signer *s = test_signer("pub");
	X509 *tvs = test_cert("tvs"), *capf = test_cert("capf");
	struct ctl_rec_spec specs[] = {
		{ .role = ROLE_SAST, .cert = s->cert, .style = STYLE_ITL_CERT },
		{ .role = ROLE_CCM_TFTP, .cert = s->cert, .style = STYLE_ITL_CERT },
		{ .role = ROLE_TVS, .cert = tvs, .style = STYLE_ITL_HASH },
		{ .role = ROLE_CAPF, .cert = capf, .style = STYLE_ITL_HASH },
	};
	struct ctl_file f;
	struct ctl_err err;
	uint8_t *out, *gold;
	size_t len, glen;

	ctl_err_init(&err);
	assert_true(ctl_build(&err, &out, &len, &o, s, specs, 4, NULL, 0));
	gold = read_golden("ITLFile.tlv", &glen);
	assert_int_equal(len, glen);
	assert_memory_equal(out, gold, len);
	assert_true(ctl_parse(&f, &err, out, len, PARSE_AUTO));
	assert_int_equal(f.kind, KIND_ITL);
	/* ITL records carry no IP address; TVS/CAPF carry a hash, no cert. */
	assert_false(f.recs[0].ip.present);
	assert_true(f.recs[0].cert.present);
	assert_false(f.recs[2].cert.present);
	assert_true(f.recs[2].certhash.present);
	assert_int_equal(f.recs[2].certhash.n, 20);
	assert_int_equal(f.recs[2].hashalg.p[0], DIGEST_SHA1);
	/* TVS, RSA-2048 self-signed: 743 bytes, as in CUCM's listing,
	 * with its 2-byte empty DNSNAME. */
	assert_int_equal(f.recs[2].len, 743);
	assert_int_equal(f.recs[2].dns.n, 2);
	assert_int_equal(f.recs[0].dns.n, 2);
	assert_true(ctl_verify(&f, &err, NULL, NULL, NULL));
	ctl_file_cleanup(&f);
	free(out);
	free(gold);
	X509_free(tvs);
	X509_free(capf);
	ctl_signer_free(s);
}

static void test_golden_sgn(void **state)
{
	struct ctl_build_opts o = { .kind = KIND_SGN, .digest = DIGEST_SHA1,
				    .timestamp = SEED_TIMESTAMP,
				    .filename = "SEP001122334455.cnf.xml.sgn",
				    .ver_major = 1, .ver_minor = 2 };
	struct ctl_signer *s = test_signer("pub");
	struct ctl_file f;
	struct ctl_err err;
	uint8_t *out, *gold, *payload;
	size_t len, glen, plen;

	ctl_err_init(&err);
	payload = read_golden("SEP001122334455.cnf.xml", &plen);
	assert_true(ctl_build(&err, &out, &len, &o, s, NULL, 0, payload, plen));
	gold = read_golden("SEP001122334455.cnf.xml.sgn", &glen);
	assert_int_equal(len, glen);
	assert_memory_equal(out, gold, len);
	assert_true(ctl_parse(&f, &err, out, len, PARSE_AUTO));
	assert_int_equal(f.kind, KIND_SGN);
	assert_int_equal(f.payload_len, plen);
	assert_memory_equal(f.payload, payload, plen);
	assert_int_equal(f.header_len % 4, 0);
	assert_true(ctl_verify(&f, &err, NULL, NULL, s->cert));
	ctl_file_cleanup(&f);
	free(out);
	free(gold);
	free(payload);
	ctl_signer_free(s);
}

/* FORMAT.md: which fields appear in which record style, in table order. */
static void check_tags(const struct ctl_record *r, const uint8_t *want, size_t n)
{
	assert_int_equal(r->nelems, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(r->elems[i].tag, want[i]);
}

static void test_record_styles(void **state)
{
	static const uint8_t server[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	static const uint8_t etoken[] = { 1, 2, 3, 4, 5, 6, 7, 9, 10 };
	static const uint8_t itl_cert[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const uint8_t itl_hash[] = { 1, 2, 3, 4, 5, 6, 7, 8, 11, 12 };
	static const struct { enum ctl_rec_style st; const uint8_t *tags; size_t n; } cases[] = {
		{ STYLE_SERVER, server, sizeof(server) },
		{ STYLE_ETOKEN, etoken, sizeof(etoken) },
		{ STYLE_ITL_CERT, itl_cert, sizeof(itl_cert) },
		{ STYLE_ITL_HASH, itl_hash, sizeof(itl_hash) },
	};
	X509 *x = test_cert("sub1");

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct ctl_rec_spec s = { .role = ROLE_SAST, .cert = x, .dns = "host",
					  .style = cases[k].st };
		struct ctl_file f;
		struct ctl_err err;
		struct cbb b;
		uint8_t *out, *file;
		size_t len;
		/* A minimal header in front so the record can be parsed. */
		static const uint8_t hdr[] = { 1, 0, 2, 1, 2, 2, 0, 2, 0, 12, 13, 13 };

		ctl_err_init(&err);
		assert_true(cbb_init(&b, 64));
		assert_true(ctl_build_record(&b, &err, &s));
		assert_true(cbb_finish(&b, &out, &len));
		file = malloc(sizeof(hdr) + len);
		memcpy(file, hdr, sizeof(hdr));
		memcpy(file + sizeof(hdr), out, len);
		assert_true(ctl_parse(&f, &err, file, sizeof(hdr) + len, PARSE_RECORDS));
		assert_int_equal(f.nrecs, 1);
		check_tags(&f.recs[0], cases[k].tags, cases[k].n);
		if (cases[k].st == STYLE_ETOKEN)
			assert_int_equal(f.recs[0].dns.n, 1); /* "\0" */
		else
			assert_int_equal(f.recs[0].dns.n, 5);
		ctl_file_cleanup(&f);
		free(file);
		free(out);
	}
	X509_free(x);
}

static void build_with(const char *signer, uint8_t digest, int expect_ok,
		       enum ctl_code expect_code)
{
	struct ctl_build_opts o = { .kind = KIND_CTL, .digest = digest,
				    .timestamp = SEED_TIMESTAMP, .filename = "CTLFile.tlv",
				    .ver_major = 1, .ver_minor = 2 };
	struct ctl_signer *s = test_signer(signer);
	struct ctl_rec_spec spec = { .role = ROLE_SAST, .cert = s->cert };
	struct ctl_file f;
	struct ctl_err err;
	uint8_t *out = NULL;
	size_t len;

	ctl_err_init(&err);
	assert_int_equal(ctl_build(&err, &out, &len, &o, s, &spec, 1, NULL, 0), expect_ok);
	if (expect_ok) {
		assert_true(ctl_parse(&f, &err, out, len, PARSE_AUTO));
		assert_int_equal(f.digest.p[0], digest);
		assert_int_equal(f.signature.n, ctl_signer_sig_len(s));
		assert_true(ctl_verify(&f, &err, NULL, NULL, NULL));
		ctl_file_cleanup(&f);
	} else {
		assert_int_equal(err.code, expect_code);
		assert_non_null(strstr(err.msg, "3072"));
	}
	free(out);
	ctl_signer_free(s);
}

static void test_digests_and_key_sizes(void **state)
{
	build_with("pub", DIGEST_SHA1, 1, CTL_OK);
	build_with("itlrecovery", DIGEST_SHA256, 1, CTL_OK);
	build_with("itlrecovery", DIGEST_SHA512, 1, CTL_OK);
	build_with("big4096", DIGEST_SHA256, 1, CTL_OK);
	/* No SIGNATUREMODULUS code for 384-byte signatures. */
	build_with("odd3072", DIGEST_SHA1, 0, CTL_E_USAGE);
}

static void test_key_file_refusals(void **state)
{
	const char *warning;
	struct ctl_err err;

	/* Phones verify RSA only. */
	ctl_err_init(&err);
	assert_null(ctl_signer_from_key_file(&err, &warning, TEST_DATA "/ec.key",
					     TEST_DATA "/ec.pem", NULL));
	assert_int_equal(err.code, CTL_E_USAGE);
	assert_non_null(strstr(err.msg, "not an RSA key"));
	/* A key that is not the certificate's. */
	ctl_err_init(&err);
	assert_null(ctl_signer_from_key_file(&err, &warning, TEST_DATA "/pub.key",
					     TEST_DATA "/sub1.pem", NULL));
	assert_non_null(strstr(err.msg, "does not match"));
	/* A certificate file that is a key. */
	ctl_err_init(&err);
	assert_null(ctl_signer_from_key_file(&err, &warning, TEST_DATA "/pub.key",
					     TEST_DATA "/pub.key", NULL));
	assert_int_equal(err.code, CTL_E_FORMAT);
}

/* Same key, same timestamp: the same bytes; another timestamp: not. */
static void test_reproducible(void **state)
{
	struct seed_cluster c;
	uint8_t *a, *b;
	size_t alen, blen;

	seed_cluster_init(&c);
	seed_ctl(&c, &a, &alen);
	seed_ctl(&c, &b, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
	seed_cluster_cleanup(&c);
}

/* Records carried over from an old file are copied byte for byte. */
static void test_copy_records(void **state)
{
	struct seed_cluster c;
	struct ctl_build_opts o = { .kind = KIND_CTL, .digest = DIGEST_SHA256,
				    .timestamp = SEED_TIMESTAMP + 60, .filename = "CTLFile.tlv",
				    .ver_major = 1, .ver_minor = 2 };
	struct ctl_rec_spec specs[3];
	struct ctl_file old, neu;
	struct ctl_err err;
	uint8_t *a, *b;
	size_t alen, blen;

	seed_cluster_init(&c);
	seed_ctl(&c, &a, &alen);
	ctl_err_init(&err);
	assert_true(ctl_parse(&old, &err, a, alen, PARSE_AUTO));
	/* Keep records 1, 2 and 4; drop the CAPF record. */
	specs[0] = (struct ctl_rec_spec){ .role = 0, .copy = &old.recs[0] };
	specs[1] = (struct ctl_rec_spec){ .role = 2, .copy = &old.recs[1] };
	specs[2] = (struct ctl_rec_spec){ .role = 2, .copy = &old.recs[3] };
	assert_true(ctl_build(&err, &b, &blen, &o, c.signer, specs, 3, NULL, 0));
	assert_true(ctl_parse(&neu, &err, b, blen, PARSE_AUTO));
	assert_int_equal(neu.nrecs, 3);
	assert_memory_equal(neu.recs[0].raw, old.recs[0].raw, old.recs[0].len);
	assert_memory_equal(neu.recs[2].raw, old.recs[3].raw, old.recs[3].len);
	assert_true(ctl_verify(&neu, &err, NULL, NULL, NULL));
	assert_true(ctl_spec_same_cert(&specs[0], c.pub));
	assert_false(ctl_spec_same_cert(&specs[2], c.pub));
	ctl_file_cleanup(&old);
	ctl_file_cleanup(&neu);
	free(a);
	free(b);
	seed_cluster_cleanup(&c);
}

/* Parse, serialize: the same bytes (what the fuzz target checks). */
static void test_round_trip(void **state)
{
	static const char *const names[] = { "CTLFile.tlv", "ITLFile.tlv",
					     "SEP001122334455.cnf.xml.sgn" };

	for (size_t i = 0; i < 3; i++) {
		struct ctl_file f;
		struct ctl_err err;
		uint8_t *gold, *out;
		size_t glen, len;

		ctl_err_init(&err);
		gold = read_golden(names[i], &glen);
		assert_true(ctl_parse(&f, &err, gold, glen, PARSE_AUTO));
		assert_true(ctl_serialize(&f, &err, &out, &len));
		assert_int_equal(len, glen);
		assert_memory_equal(out, gold, len);
		ctl_file_cleanup(&f);
		free(out);
		free(gold);
	}
}

static void test_signer_version_tag(void **state)
{
	struct ctl_build_opts o = { .kind = KIND_CTL, .digest = DIGEST_SHA1,
				    .timestamp = 1, .filename = "CTLFile.tlv",
				    .ver_major = 1, .ver_minor = 0,
				    .signer_version = 0x0100 };
	struct ctl_signer *s = test_signer("pub");
	struct ctl_rec_spec spec = { .role = ROLE_SAST, .cert = s->cert };
	struct ctl_file f;
	struct ctl_err err;
	uint8_t *out;
	size_t len;

	ctl_err_init(&err);
	assert_true(ctl_build(&err, &out, &len, &o, s, &spec, 1, NULL, 0));
	assert_true(ctl_parse(&f, &err, out, len, PARSE_AUTO));
	assert_int_equal(f.elems[2].tag, HDR_SIGNERVERSION);
	assert_true(f.signer_version.present);
	assert_int_equal(f.signer_version.p[0], 1);
	assert_int_equal(f.ver_minor, 0);
	assert_true(ctl_verify(&f, &err, NULL, NULL, NULL));
	ctl_file_cleanup(&f);
	free(out);
	ctl_signer_free(s);
}

/*
 * Lengths that count themselves are the builder's (bytes.h counted
 * regions): a record or a header one byte over 0xffff is refused with
 * the element named, never written with its length cut to 16 bits.
 */
static void test_counted_lengths_refused(void **state)
{
	struct seed_cluster c;
	struct ctl_build_opts o = { .kind = KIND_CTL, .digest = DIGEST_SHA1,
				    .timestamp = SEED_TIMESTAMP,
				    .filename = "CTLFile.tlv",
				    .ver_major = 1, .ver_minor = 2 };
	struct ctl_rec_spec spec;
	struct ctl_err err;
	char *big = malloc(0xffff);
	uint8_t *out = NULL;
	size_t len = 0;

	assert_non_null(big);
	seed_cluster_init(&c);
	/* A DNSNAME that fits its element, in a record that does not fit. */
	memset(big, 'a', 0xffff);
	big[0xffff - 200] = '\0';
	spec = c.specs[3];
	spec.dns = big;
	ctl_err_init(&err);
	assert_false(ctl_build(&err, &out, &len, &o, c.signer, &spec, 1, NULL, 0));
	assert_null(out);
	assert_int_equal(err.code, CTL_E_FORMAT);
	assert_string_equal(err.msg, "record 1: record of role 2 does not fit in 65535 bytes");
	/* A FILENAME that fits its element, in a header that does not fit. */
	o.filename = big;
	ctl_err_init(&err);
	assert_false(ctl_build(&err, &out, &len, &o, c.signer, c.specs, 1, NULL, 0));
	assert_null(out);
	assert_int_equal(err.code, CTL_E_FORMAT);
	assert_string_equal(err.msg, "header does not fit");
	/* Just short of the bound, the same record is written and parses. */
	o.filename = "CTLFile.tlv";
	big[0xffff - 2000] = '\0';
	ctl_err_init(&err);
	assert_true(ctl_build(&err, &out, &len, &o, c.signer, &spec, 1, NULL, 0));
	{
		struct ctl_file f;

		assert_true(ctl_parse(&f, &err, out, len, PARSE_RECORDS));
		assert_int_equal(f.nrecs, 1);
		assert_true(f.recs[0].len > 0xffff - 2000);
		assert_int_equal(f.header_len + f.recs[0].len, len);
		ctl_file_cleanup(&f);
	}
	free(out);
	free(big);
	seed_cluster_cleanup(&c);
}

/* The options of seed_ctl (testutil.h). */
static const struct ctl_build_opts seed_opts = {
	.kind = KIND_CTL, .digest = DIGEST_SHA1, .timestamp = SEED_TIMESTAMP,
	.filename = "CTLFile.tlv", .ver_major = 1, .ver_minor = 2,
};

/*
 * A signer whose key does not belong to its certificate, as a token
 * would be whose key object is not the certificate's: the signature
 * ops sign with another key (ctl_evp_sign, the path of both real
 * signers), the certificate is pub's. Standing in for a broken token.
 */
static int other_key_sign(struct ctl_signer *s, struct ctl_err *err,
			  uint8_t *out, size_t out_len, const EVP_MD *md,
			  const struct ctl_span *spans, size_t nspans)
{
	struct ctl_signer *other = s->impl;

	return ctl_evp_sign(other->impl, err, out, out_len, md, spans, nspans);
}

static void other_key_free(struct ctl_signer *s)
{
	ctl_signer_free(s->impl);
}

static struct ctl_signer *mismatched_signer(void)
{
	static const struct ctl_signer_ops ops = { other_key_sign, other_key_free };
	struct ctl_signer *s = ctl_signer_new(&ops, test_signer("sub1"),
					      test_cert("pub"), "mismatched");

	assert_non_null(s);
	return s;
}

struct wfx {
	char dir[64], path[128];
};

static void wfx_init(struct wfx *w, const char *name)
{
	snprintf(w->dir, sizeof(w->dir), "/tmp/ctlsign-build.XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->path, sizeof(w->path), "%s/%s", w->dir, name);
}

static void wfx_cleanup(struct wfx *w)
{
	unlink(w->path);
	assert_int_equal(rmdir(w->dir), 0); /* nothing else was left there */
}

/* ctl_build_write: what it writes is ctl_build's file, byte for byte. */
static void test_build_write(void **state)
{
	struct ctl_build_opts o = { .kind = KIND_SGN, .digest = DIGEST_SHA1,
				    .timestamp = SEED_TIMESTAMP,
				    .filename = "SEP001122334455.cnf.xml.sgn",
				    .ver_major = 1, .ver_minor = 2 };
	struct seed_cluster c;
	struct ctl_file f;
	struct ctl_err err;
	struct wfx w;
	uint8_t *gold, *payload, *got;
	size_t glen, plen, len;

	seed_cluster_init(&c);
	wfx_init(&w, "CTLFile.tlv");
	ctl_err_init(&err);
	assert_true(ctl_build_write(&err, &f, w.path, &seed_opts, c.signer,
				    c.specs, 4, NULL, 0));
	gold = read_golden("CTLFile.tlv", &glen);
	assert_true(ctl_read_file(&err, w.path, 1 << 20, &got, &len));
	assert_int_equal(len, glen);
	assert_memory_equal(got, gold, len);
	assert_int_equal(f.len, len);
	assert_int_equal(f.nrecs, 4);
	ctl_file_cleanup(&f);
	free(got);
	free(gold);
	wfx_cleanup(&w);

	wfx_init(&w, "SEP001122334455.cnf.xml.sgn");
	payload = read_golden("SEP001122334455.cnf.xml", &plen);
	ctl_err_init(&err);
	assert_true(ctl_build_write(&err, NULL, w.path, &o, c.signer, NULL, 0,
				    payload, plen));
	gold = read_golden("SEP001122334455.cnf.xml.sgn", &glen);
	assert_true(ctl_read_file(&err, w.path, 1 << 20, &got, &len));
	assert_int_equal(len, glen);
	assert_memory_equal(got, gold, len);
	free(got);
	free(gold);
	free(payload);
	wfx_cleanup(&w);
	seed_cluster_cleanup(&c);
}

/*
 * A file that does not verify is never written: not as a new file, not
 * over an old one, and the caller's out_check is not touched.
 */
static void test_build_write_refuses(void **state)
{
	struct ctl_build_opts o = { .kind = KIND_SGN, .digest = DIGEST_SHA1,
				    .timestamp = SEED_TIMESTAMP,
				    .filename = "SEP001122334455.cnf.xml.sgn",
				    .ver_major = 1, .ver_minor = 2 };
	struct ctl_signer *bad = mismatched_signer();
	struct seed_cluster c;
	struct ctl_file f;
	struct ctl_err err;
	struct wfx w;
	uint8_t *got;
	size_t len;

	seed_cluster_init(&c);
	for (int old = 0; old < 2; old++) {
		/* A .sgn, checked against the signer's certificate. */
		wfx_init(&w, "SEP001122334455.cnf.xml.sgn");
		ctl_err_init(&err);
		if (old)
			assert_true(ctl_write_atomic(&err, w.path, (const uint8_t *)"old", 3, 0600));
		memset(&f, 0x5a, sizeof(f));
		ctl_err_init(&err);
		assert_false(ctl_build_write(&err, &f, w.path, &o, bad, NULL, 0,
					     (const uint8_t *)"<x/>", 4));
		assert_int_equal(err.code, CTL_E_VERIFY);
		assert_non_null(strstr(err.msg, "self-check of the new file failed; nothing written: "));
		assert_int_equal(f.len, (size_t)0x5a5a5a5a5a5a5a5aull);
		if (old) {
			assert_true(ctl_read_file(&err, w.path, 16, &got, &len));
			assert_int_equal(len, 3);
			assert_memory_equal(got, "old", 3);
			free(got);
		} else {
			assert_int_equal(access(w.path, F_OK), -1);
		}
		wfx_cleanup(&w);

		/* A CTL: its signer record is the certificate, the key is not. */
		wfx_init(&w, "CTLFile.tlv");
		ctl_err_init(&err);
		if (old)
			assert_true(ctl_write_atomic(&err, w.path, (const uint8_t *)"old", 3, 0600));
		ctl_err_init(&err);
		assert_false(ctl_build_write(&err, NULL, w.path, &seed_opts, bad,
					     c.specs, 4, NULL, 0));
		assert_int_equal(err.code, CTL_E_VERIFY);
		assert_non_null(strstr(err.msg, "self-check of the new file failed; nothing written: "));
		assert_int_equal(access(w.path, F_OK), old ? 0 : -1);
		wfx_cleanup(&w);
	}
	seed_cluster_cleanup(&c);
	ctl_signer_free(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worked_sizes),
		cmocka_unit_test(test_golden_ctl),
		cmocka_unit_test(test_golden_itl),
		cmocka_unit_test(test_golden_sgn),
		cmocka_unit_test(test_record_styles),
		cmocka_unit_test(test_digests_and_key_sizes),
		cmocka_unit_test(test_key_file_refusals),
		cmocka_unit_test(test_reproducible),
		cmocka_unit_test(test_copy_records),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_signer_version_tag),
		cmocka_unit_test(test_counted_lengths_refused),
		cmocka_unit_test(test_build_write),
		cmocka_unit_test(test_build_write_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
