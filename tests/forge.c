/*
 * forge.c - writes the attacker's files of issue 7 for tests/cli/forgery.sh
 * and the fuzz seed corpus. This is a test fixture maker, not a test
 * double: every file comes out of the real engine (ctl_build), signed with
 * a real key; only the bytes an attacker controls are changed.
 *
 *   usage: ctlsign_forge TESTS_DATA_DIR OUT_DIR
 *
 * OUT_DIR gets:
 *   current.tlv      the seed cluster's CTL, signed by pub (what phones hold)
 *   current-itl.tlv  an ITL signed by pub's SAST record
 *   lookalike.pem    pub's subject, issuer and serial on the attacker's key
 *   forged-hash.tlv  CTL whose signing SAST record has pub's issuer, serial
 *                    and CERTHASH but no CERTIFICATE, the attacker's
 *                    PUBLICKEY, signed with the attacker's key
 *   forged-itl.tlv   the same as an ITL (the hash matches the CTL's CCM+TFTP)
 *   forged-bare.tlv  the signing record has only the attacker's PUBLICKEY
 *   lookalike.tlv    a well-formed CTL signed by the look-alike certificate
 *                    (it verifies; it must never pass for pub's)
 *   pubkey-swap.tlv  a CCM+TFTP record whose PUBLICKEY is not its
 *                    certificate's key (signed after the swap)
 *   next.tlv         a CTL a phone holding current.tlv accepts (signed by pub)
 *   sgn-as-ctl.tlv   a .sgn signed by pub (the TFTP key) whose payload is
 *                    current.tlv's records: a signed "configuration file"
 *   moved-sig.tlv    current.tlv with SIGNATURE moved after TIMESTAMP: the
 *                    signature still covers the same bytes, the hash differs
 *   dup-signer.tlv   two SAST records with pub's issuer and serial, the
 *                    look-alike's first, signed by the look-alike
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "trustlist.h"
#include "util.h"

#define ATTACKER "capf" /* a real key of tests/data, not pub's */

static const char *data_dir, *out_dir;

static void die(const char *what, const struct ctl_err *err)
{
	fprintf(stderr, "ctlsign_forge: %s: %s\n", what, err ? err->msg : "failed");
	exit(1);
}

static X509 *load(const char *name)
{
	char path[1024];
	struct ctl_err err;
	X509 *x;

	ctl_err_init(&err);
	snprintf(path, sizeof(path), "%s/%s.pem", data_dir, name);
	x = ctl_load_cert(&err, path);
	if (x == NULL)
		die(path, &err);
	return x;
}

static struct ctl_signer *signer(const char *key, const char *cert_path)
{
	char kp[1024];
	const char *warning;
	struct ctl_err err;
	struct ctl_signer *s;

	ctl_err_init(&err);
	snprintf(kp, sizeof(kp), "%s/%s.key", data_dir, key);
	s = ctl_signer_from_key_file(&err, &warning, kp, cert_path, NULL);
	if (s == NULL)
		die(kp, &err);
	return s;
}

static void put(const char *name, const uint8_t *p, size_t n)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		die(path, NULL);
}

static void build(const char *name, enum ctl_kind kind, struct ctl_signer *s,
		  const struct ctl_rec_spec *specs, size_t n)
{
	struct ctl_build_opts o = {
		.kind = kind, .digest = DIGEST_SHA1, .timestamp = 1425667513u,
		.filename = kind == KIND_ITL ? "ITLFile.tlv" : "CTLFile.tlv",
		.ver_major = 1, .ver_minor = 2,
	};
	struct ctl_err err;
	uint8_t *out = NULL;
	size_t len = 0;

	ctl_err_init(&err);
	if (!ctl_build(&err, &out, &len, &o, s, specs, n, NULL, 0))
		die(name, &err);
	put(name, out, len);
	free(out);
}

/*
 * lookalike writes a certificate with pub's subject, issuer and serial on
 * the attacker's key, self-signed by the attacker, and returns its path.
 */
static void lookalike(X509 *pub, char *path, size_t n)
{
	char kp[1024];
	X509 *x = X509_dup(pub);
	EVP_PKEY *key = NULL;
	FILE *f;

	snprintf(kp, sizeof(kp), "%s/%s.key", data_dir, ATTACKER);
	f = fopen(kp, "r");
	if (f != NULL)
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	if (f != NULL)
		fclose(f);
	if (x == NULL || key == NULL || X509_set_pubkey(x, key) != 1 ||
	    X509_sign(x, key, EVP_sha256()) <= 0)
		die("look-alike certificate", NULL);
	snprintf(path, n, "%s/lookalike.pem", out_dir);
	f = fopen(path, "w");
	if (f == NULL || PEM_write_X509(f, x) != 1 || fclose(f) != 0)
		die(path, NULL);
	X509_free(x);
	EVP_PKEY_free(key);
}

/*
 * signing_record builds a one-record file with spec (the look-alike as
 * style), parses it back and returns a copy of the record's bytes with
 * CERTHASH, if present, set to real's SHA-1: the record an attacker
 * writes by hand. *rec points into the returned buffer.
 */
static uint8_t *signing_record(struct ctl_record *rec, struct ctl_signer *s,
			       const struct ctl_rec_spec *spec, X509 *real,
			       enum ctl_kind kind, int drop_hash)
{
	struct ctl_build_opts o = {
		.kind = kind, .digest = DIGEST_SHA1, .timestamp = 1,
		.filename = "x.tlv", .ver_major = 1, .ver_minor = 2,
	};
	struct ctl_file f;
	struct ctl_err err;
	uint8_t *out = NULL, *raw;
	size_t len = 0;
	unsigned char *der = NULL;
	int dn = i2d_X509(real, &der);

	ctl_err_init(&err);
	if (dn <= 0 || !ctl_build(&err, &out, &len, &o, s, spec, 1, NULL, 0) ||
	    !ctl_parse(&f, &err, out, len, PARSE_RECORDS) || f.nrecs != 1)
		die("signing record", &err);
	raw = malloc(f.recs[0].len);
	if (raw == NULL)
		die("out of memory", NULL);
	memcpy(raw, f.recs[0].raw, f.recs[0].len);
	memset(rec, 0, sizeof(*rec));
	rec->raw = raw;
	rec->len = f.recs[0].len;
	rec->role = ROLE_SAST;
	if (f.recs[0].certhash.present) {
		size_t at = (size_t)(f.recs[0].certhash.p - f.recs[0].raw);

		SHA1(der, (size_t)dn, raw + at);
		if (drop_hash) /* hash element becomes an unknown tag 200 */
			raw[at - 3] = 200;
	}
	OPENSSL_free(der);
	ctl_file_cleanup(&f);
	free(out);
	return raw;
}

int main(int argc, char **argv)
{
	X509 *pub, *sub1, *capf;
	struct ctl_signer *real, *fake;
	char fake_path[1024];
	struct ctl_record forged;
	uint8_t *raw;

	if (argc != 3) {
		fprintf(stderr, "usage: ctlsign_forge TESTS_DATA_DIR OUT_DIR\n");
		return 2;
	}
	data_dir = argv[1];
	out_dir = argv[2];
	pub = load("pub");
	sub1 = load("sub1");
	capf = load("capf");
	{
		char pp[1024];

		snprintf(pp, sizeof(pp), "%s/pub.pem", data_dir);
		real = signer("pub", pp);
	}
	lookalike(pub, fake_path, sizeof(fake_path));
	fake = signer(ATTACKER, fake_path);

	struct ctl_rec_spec ctl[4] = {
		{ ROLE_SAST, pub, "cucm-1051-a-pub", { 10, 48, 47, 155 }, 1, STYLE_SERVER, NULL },
		{ ROLE_CCM_TFTP, pub, "cucm-1051-a-pub", { 10, 48, 47, 155 }, 1, STYLE_SERVER, NULL },
		{ ROLE_CAPF, capf, "cucm-1051-a-pub", { 10, 48, 47, 155 }, 1, STYLE_SERVER, NULL },
		{ ROLE_CCM_TFTP, sub1, "cucm-1051-a-sub1", { 10, 48, 47, 156 }, 1, STYLE_SERVER, NULL },
	};
	build("current.tlv", KIND_CTL, real, ctl, 4);
	/* A later CTL from the same signer: one server fewer. */
	build("next.tlv", KIND_CTL, real, ctl, 3);
	{
		struct ctl_rec_spec itl[3] = {
			{ ROLE_SAST, pub, NULL, { 0 }, 0, STYLE_ITL_CERT, NULL },
			{ ROLE_CCM_TFTP, pub, NULL, { 0 }, 0, STYLE_ITL_CERT, NULL },
			{ ROLE_CAPF, capf, NULL, { 0 }, 0, STYLE_ITL_HASH, NULL },
		};

		build("current-itl.tlv", KIND_ITL, real, itl, 3);
	}

	/* The look-alike signs with its own full record: a valid file. */
	{
		struct ctl_rec_spec la[3] = { ctl[0], ctl[1], ctl[3] };

		la[0].cert = fake->cert;
		build("lookalike.tlv", KIND_CTL, fake, la, 3);
	}

	/* Signing record by hash: pub's issuer, serial, CERTHASH; attacker's key. */
	{
		struct ctl_rec_spec s = { ROLE_SAST, fake->cert, "cucm-1051-a-pub",
					  { 0 }, 0, STYLE_ITL_HASH, NULL };
		struct ctl_rec_spec f[3] = { { .role = ROLE_SAST, .copy = &forged },
					     ctl[1], ctl[3] };

		raw = signing_record(&forged, fake, &s, pub, KIND_CTL, 0);
		build("forged-hash.tlv", KIND_CTL, fake, f, 3);
		free(raw);
		raw = signing_record(&forged, fake, &s, pub, KIND_ITL, 0);
		build("forged-itl.tlv", KIND_ITL, fake, f, 1);
		free(raw);
		raw = signing_record(&forged, fake, &s, pub, KIND_CTL, 1);
		build("forged-bare.tlv", KIND_CTL, fake, f, 3);
		free(raw);
	}

	/* The files below start from current.tlv's own bytes. */
	{
		struct ctl_rec_spec f[3] = { ctl[0], ctl[1], { .role = ROLE_CCM_TFTP, .copy = &forged } };
		struct ctl_build_opts o = {
			.kind = KIND_SGN, .digest = DIGEST_SHA1, .timestamp = 1425667513u,
			.filename = "SEP001122334455.cnf.xml.sgn", .ver_major = 1, .ver_minor = 0,
		};
		struct ctl_file pf;
		struct ctl_err err;
		uint8_t *cur = NULL, *out = NULL;
		size_t cur_len = 0, len = 0;
		char cp[1024];

		snprintf(cp, sizeof(cp), "%s/current.tlv", out_dir);
		ctl_err_init(&err);
		if (!ctl_read_file(&err, cp, CTL_MAX_FILE, &cur, &cur_len) ||
		    !ctl_parse(&pf, &err, cur, cur_len, PARSE_RECORDS) || pf.nrecs != 4)
			die(cp, &err);

		/*
		 * A CCM+TFTP record for sub1's certificate whose PUBLICKEY is
		 * the look-alike's (the attacker's): sub1's whole record from
		 * current.tlv with its key swapped, signed by pub after the swap.
		 */
		memset(&forged, 0, sizeof(forged));
		raw = malloc(pf.recs[3].len);
		if (raw == NULL)
			die("out of memory", NULL);
		memcpy(raw, pf.recs[3].raw, pf.recs[3].len);
		{
			/* Both are RSA-1024 keys: the same PUBLICKEY length. */
			unsigned char *fk = NULL;
			int fkn = ctl_pubkey_bytes(fake->cert, &fk);
			size_t at = (size_t)(pf.recs[3].pubkey.p - pf.recs[3].raw);

			if (fkn != (int)pf.recs[3].pubkey.n)
				die("key sizes differ", NULL);
			memcpy(raw + at, fk, (size_t)fkn);
			OPENSSL_free(fk);
		}
		forged.raw = raw;
		forged.len = pf.recs[3].len;
		forged.role = ROLE_CCM_TFTP;
		build("pubkey-swap.tlv", KIND_CTL, real, f, 3);
		free(raw);

		/* pub's records as the payload of a .sgn that pub signs. */
		if (!ctl_build(&err, &out, &len, &o, real, NULL, 0,
			       cur + pf.header_len, cur_len - pf.header_len))
			die("sgn-as-ctl", &err);
		put("sgn-as-ctl.tlv", out, len);
		free(out);

		/* SIGNATURE moved after TIMESTAMP: same signed bytes. */
		{
			size_t so = pf.signature.off, sl = 3u + pf.signature.n;
			size_t te = pf.timestamp.off + 3u + pf.timestamp.n;
			uint8_t *m = malloc(cur_len);

			if (m == NULL || te <= so)
				die("moved-sig", NULL);
			memcpy(m, cur, so);
			memcpy(m + so, cur + so + sl, te - so - sl);
			memcpy(m + te - sl, cur + so, sl);
			memcpy(m + te, cur + te, cur_len - te);
			put("moved-sig.tlv", m, cur_len);
			free(m);
		}
		ctl_file_cleanup(&pf);
		free(cur);
	}
	/* Two records match the header's signer: the look-alike's first. */
	{
		struct ctl_rec_spec d[3] = { ctl[0], ctl[0], ctl[1] };

		d[0].cert = fake->cert;
		build("dup-signer.tlv", KIND_CTL, fake, d, 3);
	}

	ctl_signer_free(real);
	ctl_signer_free(fake);
	X509_free(pub);
	X509_free(sub1);
	X509_free(capf);
	return 0;
}
