/*
 * fuzz_verify.c - libFuzzer target for verification with the key cache,
 * the path issue 7's forgery took (a signer named by a hash, checked with
 * another key).
 *
 * A crash is not the only failure here: the target holds an oracle. Every
 * input the engine calls valid is checked again by a few lines of plain
 * OpenSSL that share no code with verify.c: the signer record carries a
 * certificate, that certificate's key verifies the file with SIGNATURE
 * cut out, and the record's PUBLICKEY and SERIALNUMBER are the
 * certificate's. The cached and uncached verdicts must agree (the cache
 * is shared by every input and seeded, as `build` seeds it, with the
 * certificates in hand). And when ctl_assess_trust says a phone holding
 * the golden CTL or ITL accepts the input directly, the input's signer
 * must be one of the held file's certificates, byte for byte: without
 * pub.key the fuzzer cannot make a file a phone takes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "trustlist.h"
#include "util.h"

static struct ctl_key_cache *cache;
static struct ctl_file held_ctl, held_itl;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load_held(struct ctl_file *f, const char *path)
{
	struct ctl_err err;

	ctl_err_init(&err);
	if (!ctl_parse_path(f, &err, path, PARSE_RECORDS) ||
	    !ctl_verify(f, &err, NULL, NULL, NULL)) {
		fprintf(stderr, "fuzz_verify: %s: %s\n", path, err.msg);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const seeded[] = { "pub", "sub1", "capf", "tvs" };
	struct ctl_err err;

	(void)argc;
	(void)argv;
	cache = ctl_key_cache_new();
	if (cache == NULL)
		abort();
	for (size_t i = 0; i < sizeof(seeded) / sizeof(seeded[0]); i++) {
		char path[512];
		X509 *x;

		ctl_err_init(&err);
		snprintf(path, sizeof(path), "%s/%s.pem", TEST_DATA, seeded[i]);
		x = ctl_load_cert(&err, path);
		if (x == NULL || !ctl_key_cache_add(cache, x))
			abort();
		X509_free(x);
	}
	load_held(&held_ctl, TEST_DATA "/golden/CTLFile.tlv");
	load_held(&held_itl, TEST_DATA "/golden/ITLFile.tlv");
	return 0;
}

static void oops(const char *what)
{
	fprintf(stderr, "fuzz_verify: %s\n", what);
	abort();
}

/* The oracle: f, called valid, checked with plain OpenSSL. */
static void recheck(const struct ctl_file *f, int signer)
{
	const struct ctl_record *r;
	const unsigned char *p;
	const EVP_MD *md;
	X509 *x;
	EVP_MD_CTX *ctx;
	EVP_PKEY_CTX *pctx = NULL;
	const unsigned char *kp = NULL;
	int kn = 0, ok;
	size_t cut, end;

	if (signer < 0 || (size_t)signer >= f->nrecs)
		oops("valid without a signer record");
	r = &f->recs[signer];
	if (r->role != ROLE_SAST || !r->cert.present || !r->pubkey.present)
		oops("valid, but the signer is not a SAST record with a CERTIFICATE and a PUBLICKEY");
	p = r->cert.p;
	x = d2i_X509(NULL, &p, r->cert.n);
	if (x == NULL || p != r->cert.p + r->cert.n)
		oops("valid, but the signer's CERTIFICATE does not parse");
	if (X509_PUBKEY_get0_param(NULL, &kp, &kn, NULL, X509_get_X509_PUBKEY(x)) != 1 ||
	    (size_t)kn != r->pubkey.n || memcmp(kp, r->pubkey.p, r->pubkey.n) != 0)
		oops("valid, but the signer's PUBLICKEY is not its certificate's key");
	{
		uint8_t serial[64];
		size_t sn = ctl_serial_bytes(x, serial);

		if (!f->signer_serial.present || sn != f->signer_serial.n ||
		    memcmp(serial, f->signer_serial.p, sn) != 0)
			oops("valid, but the header's SERIALNUMBER is not the signer certificate's");
	}
	md = ctl_digest_md(f->digest.p[0]);
	cut = f->signature.off;
	end = cut + 3u + f->signature.n;
	ctx = EVP_MD_CTX_new();
	if (md == NULL || ctx == NULL || end > f->len)
		oops("valid, but the digest or SIGNATURE is unusable");
	ok = EVP_DigestVerifyInit(ctx, &pctx, md, NULL, X509_get0_pubkey(x)) == 1 &&
	     EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
	     EVP_DigestVerifyUpdate(ctx, f->buf, cut) == 1 &&
	     EVP_DigestVerifyUpdate(ctx, f->buf + end, f->len - end) == 1 &&
	     EVP_DigestVerifyFinal(ctx, f->signature.p, f->signature.n) == 1;
	EVP_MD_CTX_free(ctx);
	X509_free(x);
	if (!ok)
		oops("valid, but the signer certificate's key does not verify the file");
}

/* Does held carry, in a SAST or CCM+TFTP record, the certificate der? */
static int held_has(const struct ctl_file *held, const struct ctl_record *s)
{
	for (size_t i = 0; i < held->nrecs; i++) {
		const struct ctl_record *h = &held->recs[i];

		if ((h->role == ROLE_SAST || h->role == ROLE_CCM_TFTP) &&
		    h->cert.present && h->cert.n == s->cert.n &&
		    memcmp(h->cert.p, s->cert.p, s->cert.n) == 0)
			return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_verify_result vr;
	struct ctl_file f;
	struct ctl_err err, err2;
	char why[512];
	int cached, plain;

	ctl_err_init(&err);
	if (!ctl_parse(&f, &err, data, size, PARSE_RECORDS))
		return 0;
	cached = ctl_verify(&f, &err, &vr, cache, NULL);
	ctl_err_init(&err2);
	plain = ctl_verify(&f, &err2, NULL, NULL, NULL);
	if (cached != plain) {
		fprintf(stderr, "cached: %s\nplain: %s\n", err.msg, err2.msg);
		oops("the key cache changes the verdict");
	}
	if (!cached && (err.code == CTL_OK || err.msg[0] == '\0'))
		oops("invalid without an error");
	if (cached) {
		recheck(&f, vr.signer_index);
		if (ctl_assess_trust(&f, &held_ctl, NULL, why, sizeof(why)) == TRUST_DIRECT &&
		    !held_has(&held_ctl, &f.recs[vr.signer_index]))
			oops("accepted directly by the held CTL, signed by a certificate it does not hold");
		if (ctl_assess_trust(&f, &held_ctl, &held_itl, why, sizeof(why)) == TRUST_DIRECT &&
		    !held_has(&held_ctl, &f.recs[vr.signer_index]) &&
		    !held_has(&held_itl, &f.recs[vr.signer_index]))
			oops("accepted directly, signed by a certificate no held file has");
	}
	ctl_file_cleanup(&f);
	return 0;
}
