/*
 * build.c - writing trust lists and .sgn files in CUCM's layout
 * (shared/FORMAT.md). Every length is written by the builder, the
 * self-counting HEADERLENGTH and RECORDLENGTH too (counted regions,
 * bytes.h); nothing is patched afterwards but the signature itself.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "bytes.h"
#include "trustlist.h"
#include "util.h"

enum ctl_rec_style ctl_style_for(enum ctl_kind kind, uint16_t role)
{
	if (kind != KIND_ITL)
		return STYLE_SERVER;
	/* CUCM's ITL carries TVS and CAPF by hash, the rest in full. */
	if (role == ROLE_TVS || role == ROLE_CAPF)
		return STYLE_ITL_HASH;
	return STYLE_ITL_CERT;
}

int ctl_spec_same_cert(const struct ctl_rec_spec *spec, X509 *cert)
{
	unsigned char *der = NULL;
	int n, same;

	if (spec->cert != NULL)
		return X509_cmp(spec->cert, cert) == 0;
	if (spec->copy == NULL || !spec->copy->cert.present)
		return 0;
	n = i2d_X509(cert, &der);
	if (n < 0)
		return 0;
	same = (size_t)n == spec->copy->cert.n &&
	       memcmp(der, spec->copy->cert.p, (size_t)n) == 0;
	OPENSSL_free(der);
	return same;
}

/* The parts of a certificate a record is made of (all owned). */
struct cert_parts {
	char *subject, *issuer;
	uint8_t serial[64];
	size_t serial_len;
	unsigned char *pub, *der;
	int pub_len, der_len;
	const ASN1_BIT_STRING *sig; /* borrowed from the X509 */
};

static void cert_parts_cleanup(struct cert_parts *c)
{
	free(c->subject);
	free(c->issuer);
	OPENSSL_free(c->pub);
	OPENSSL_free(c->der);
	memset(c, 0, sizeof(*c));
}

static int cert_parts_init(struct cert_parts *c, struct ctl_err *err, X509 *cert)
{
	memset(c, 0, sizeof(*c));
	c->subject = ctl_name_render(X509_get_subject_name(cert));
	c->issuer = ctl_name_render(X509_get_issuer_name(cert));
	c->serial_len = ctl_serial_bytes(cert, c->serial);
	c->der_len = i2d_X509(cert, &c->der);
	c->pub_len = ctl_pubkey_bytes(cert, &c->pub);
	X509_get0_signature(&c->sig, NULL, cert);
	if (c->subject == NULL || c->issuer == NULL || c->serial_len == 0 ||
	    c->der_len <= 0 || c->pub_len <= 0 || c->sig == NULL) {
		cert_parts_cleanup(c);
		return ctl_err_openssl(err, CTL_E_FORMAT,
				       "certificate cannot be rendered as a record");
	}
	return 1;
}

/*
 * build_record writes spec's record. signer, if not NULL, holds the parts
 * of a certificate equal to spec->cert, already rendered (borrowed: c is
 * then a shallow copy and is not cleaned up here).
 */
static int build_record(struct cbb *b, struct ctl_err *err,
			const struct ctl_rec_spec *spec,
			const struct cert_parts *signer)
{
	static const uint8_t no_ip[4];
	struct cert_parts c;
	enum ctl_rec_style st = spec->style;
	int ok;

	if (spec->copy != NULL)
		return cbb_add_bytes(b, spec->copy->raw, spec->copy->len) ||
		       ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	if (signer != NULL)
		c = *signer;
	else if (!cert_parts_init(&c, err, spec->cert))
		return 0;
	/* RECORDLENGTH counts the whole record, itself too. */
	ok = cbb_open_counted(b) && cbb_add_u8(b, REC_RECORDLENGTH) &&
	     cbb_open_u16(b) && cbb_add_count_u16(b) && cbb_close(b);
	if (st == STYLE_ETOKEN)
		ok = ok && cbb_string_element(b, REC_DNSNAME, "");
	else if ((st == STYLE_ITL_CERT || st == STYLE_ITL_HASH) &&
		 (spec->dns == NULL || spec->dns[0] == '\0'))
		/*
		 * CUCM's ITL records carry a 2-byte DNSNAME that `show itl`
		 * prints as empty (FORMAT.md: the TVS record is 743 bytes).
		 * Two NULs: the same size, and empty to anything reading a
		 * NUL-terminated string.
		 */
		ok = ok && cbb_element(b, REC_DNSNAME, (const uint8_t *)"\0", 2);
	else
		ok = ok && cbb_string_element(b, REC_DNSNAME, spec->dns);
	ok = ok && cbb_string_element(b, REC_SUBJECTNAME, c.subject) &&
	     cbb_add_u8(b, REC_FUNCTION) && cbb_open_u16(b) &&
	     cbb_add_u16(b, spec->role) && cbb_close(b) &&
	     cbb_string_element(b, REC_ISSUERNAME, c.issuer) &&
	     cbb_element(b, REC_SERIALNUMBER, c.serial, c.serial_len) &&
	     cbb_element(b, REC_PUBLICKEY, c.pub, (size_t)c.pub_len);
	/* The CTL client wrote eToken records without the cert's signature. */
	if (st != STYLE_ETOKEN)
		ok = ok && cbb_element(b, REC_SIGNATURE, c.sig->data,
				       (size_t)c.sig->length);
	if (st != STYLE_ITL_HASH)
		ok = ok && cbb_element(b, REC_CERTIFICATE, c.der,
				       (size_t)c.der_len);
	if (st == STYLE_SERVER || st == STYLE_ETOKEN)
		ok = ok && cbb_element(b, REC_IPADDRESS,
				       spec->has_ip ? spec->ip : no_ip, 4);
	if (st == STYLE_ITL_HASH) {
		static const uint8_t sha1_code = DIGEST_SHA1;
		uint8_t sha1[SHA_DIGEST_LENGTH];

		/*
		 * Hashed only where it is written: a CTL's records carry none.
		 * Refused (out of memory): no hash made up.
		 */
		if (SHA1(c.der, (size_t)c.der_len, sha1) == NULL) {
			if (signer == NULL)
				cert_parts_cleanup(&c);
			return ctl_err_set(err, CTL_E_INTERNAL,
					   "cannot compute the CERTHASH of a record of role %u",
					   spec->role);
		}
		ok = ok && cbb_element(b, REC_CERTHASH, sha1, sizeof(sha1)) &&
		     cbb_element(b, REC_HASHALGORITHM, &sha1_code, 1);
	}
	ok = ok && cbb_close(b);
	if (signer == NULL)
		cert_parts_cleanup(&c);
	return ok || ctl_err_set(err, CTL_E_FORMAT,
				 "record of role %u does not fit in 65535 bytes",
				 spec->role);
}

int ctl_build_record(struct cbb *b, struct ctl_err *err,
		     const struct ctl_rec_spec *spec)
{
	return build_record(b, err, spec, NULL);
}

static int modulus_code(size_t sig_len, uint8_t *out)
{
	switch (sig_len) {
	case 64: *out = 0; return 1;
	case 128: *out = 1; return 1;
	case 256: *out = 2; return 1;
	case 512: *out = 3; return 1;
	default: return 0;
	}
}

/*
 * Writes the header. Its SIGNATURE element starts at *out_sig_tag, and
 * its value, sig_len zero bytes for the signature, at *out_sig_val:
 * offsets the builder reports, none worked out here.
 */
static int build_header(struct cbb *b, struct ctl_err *err,
			const struct ctl_build_opts *o, struct ctl_signer *s,
			const struct cert_parts *c, size_t sig_len,
			size_t *out_sig_tag, size_t *out_sig_val)
{
	const uint8_t ver[2] = { o->ver_major, o->ver_minor };
	const uint8_t sv[2] = { (uint8_t)(o->signer_version >> 8),
				(uint8_t)o->signer_version };
	const uint8_t rsa = 0;
	uint8_t mod;
	int ok;

	if (!modulus_code(sig_len, &mod))
		return ctl_err_set(err, CTL_E_USAGE,
				   "%s: a %zu-bit key cannot be written: SIGNATUREMODULUS knows 512, 1024, 2048 and 4096 bits",
				   s->label, sig_len * 8);
	/* HEADERLENGTH counts the whole header, from the file's first byte. */
	ok = cbb_open_counted(b) && cbb_element(b, HDR_VERSION, ver, 2) &&
	     cbb_add_u8(b, HDR_HEADERLENGTH) && cbb_open_u16(b) &&
	     cbb_add_count_u16(b) && cbb_close(b) &&
	     (o->signer_version == 0 ||
	      cbb_element(b, HDR_SIGNERVERSION, sv, 2)) &&
	     cbb_add_u8(b, HDR_SIGNERID) && cbb_open_u16(b) &&
	     cbb_string_element(b, HDR_SIGNERNAME, c->subject) &&
	     cbb_element(b, HDR_SERIALNUMBER, c->serial, c->serial_len) &&
	     cbb_string_element(b, HDR_CANAME, c->issuer) && cbb_close(b) &&
	     cbb_add_u8(b, HDR_SIGNATUREINFO) && cbb_open_u16(b) &&
	     cbb_element(b, HDR_DIGESTALGORITHM, &o->digest, 1) &&
	     cbb_add_u8(b, HDR_SIGNATUREALGOINFO) && cbb_open_u16(b) &&
	     cbb_element(b, HDR_SIGNATUREALGORITHM, &rsa, 1) &&
	     cbb_element(b, HDR_SIGNATUREMODULUS, &mod, 1) && cbb_close(b) &&
	     cbb_close(b);
	*out_sig_tag = cbb_len(b);
	ok = ok && cbb_add_u8(b, HDR_SIGNATURE) && cbb_open_u16(b) &&
	     cbb_add_space(b, sig_len, out_sig_val) && cbb_close(b) &&
	     cbb_string_element(b, HDR_FILENAME, o->filename) &&
	     cbb_add_u8(b, HDR_TIMESTAMP) && cbb_open_u16(b) &&
	     cbb_add_u32(b, o->timestamp) && cbb_close(b) &&
	     (o->extra_header == NULL ||
	      cbb_add_bytes(b, o->extra_header, o->extra_header_len));
	/* The header ends on a multiple of 4 bytes (from the file's start). */
	while (ok && cbb_len(b) % 4 != 0)
		ok = cbb_add_u8(b, HDR_PADDING);
	ok = ok && cbb_close(b);
	return ok || ctl_err_set(err, CTL_E_FORMAT, "header does not fit");
}

int ctl_build(struct ctl_err *err, uint8_t **out, size_t *out_len,
	      const struct ctl_build_opts *o, struct ctl_signer *s,
	      const struct ctl_rec_spec *specs, size_t n,
	      const uint8_t *payload, size_t payload_len)
{
	const EVP_MD *md = ctl_digest_md(o->digest);
	size_t sig_len = ctl_signer_sig_len(s), sig_tag = 0, sig_val = 0;
	struct ctl_span spans[2];
	struct cert_parts sp;
	uint8_t *buf = NULL;
	size_t len = 0;
	struct cbb b;

	if (md == NULL)
		return ctl_err_set(err, CTL_E_USAGE, "unknown digest code %u",
				   o->digest);
	/*
	 * The signer's certificate is rendered once: the header, its SAST
	 * record and its server record all carry it (docs/benchmarks.md).
	 */
	if (!cert_parts_init(&sp, err, s->cert))
		return 0;
	if (!cbb_init(&b, 8192 + payload_len)) {
		cert_parts_cleanup(&sp);
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	}
	if (!build_header(&b, err, o, s, &sp, sig_len, &sig_tag, &sig_val))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const struct ctl_rec_spec *r = &specs[i];
		int same = r->copy == NULL && r->cert != NULL &&
			   X509_cmp(r->cert, s->cert) == 0;

		if (!build_record(&b, err, r, same ? &sp : NULL)) {
			ctl_err_prefix(err, "record %zu", i + 1);
			goto fail;
		}
	}
	cert_parts_cleanup(&sp);
	if (o->kind == KIND_SGN && !cbb_add_bytes(&b, payload, payload_len))
		goto fail;
	if (!cbb_finish(&b, &buf, &len)) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto fail;
	}
	/* The signature covers everything but the SIGNATURE element. */
	spans[0] = (struct ctl_span){ buf, sig_tag };
	spans[1] = (struct ctl_span){ buf + sig_val + sig_len,
				      len - sig_val - sig_len };
	if (!s->ops->sign(s, err, buf + sig_val, sig_len, md, spans, 2)) {
		free(buf);
		return 0;
	}
	*out = buf;
	*out_len = len;
	return 1;
fail:
	ctl_err_set(err, CTL_E_INTERNAL, "cannot build the file");
	cert_parts_cleanup(&sp);
	cbb_cleanup(&b);
	return 0;
}

int ctl_build_check(struct ctl_err *err, struct ctl_file *out_check,
		    const uint8_t *buf, size_t len, int sgn,
		    struct ctl_key_cache *cache, X509 *signer_cert)
{
	struct ctl_file f = { 0 };
	int ok;

	ok = ctl_parse(&f, err, buf, len, sgn ? PARSE_SIGNED : PARSE_RECORDS) &&
	     (!ctl_enc_present(&f) || ctl_enc_check(&f, err)) &&
	     ctl_verify(&f, err, NULL, cache, sgn ? signer_cert : NULL);
	if (!ok) {
		ctl_err_prefix(err, "self-check of the new file failed; nothing written");
		ctl_file_cleanup(&f);
		return 0;
	}
	if (out_check != NULL)
		*out_check = f;
	else
		ctl_file_cleanup(&f);
	return 1;
}

int ctl_build_write(struct ctl_err *err, struct ctl_file *out_check,
		    const char *path, const struct ctl_build_opts *o,
		    struct ctl_signer *s, const struct ctl_rec_spec *specs,
		    size_t n, const uint8_t *payload, size_t payload_len)
{
	struct ctl_key_cache *cache = NULL;
	struct ctl_file check = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	int sgn = o->kind == KIND_SGN, ok = 0;

	if (!ctl_build(err, &buf, &len, o, s, specs, n, payload, payload_len))
		return 0;
	/*
	 * Check what we made the way a phone will, before it replaces
	 * anything. The certificates in hand seed the key cache: records are
	 * still compared byte for byte with them, but not parsed again
	 * (~100 us each under OpenSSL 3.0, ten times the signature).
	 */
	cache = ctl_key_cache_new();
	if (cache == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto out;
	}
	ctl_key_cache_add(cache, s->cert);
	for (size_t i = 0; i < n; i++)
		if (specs[i].cert != NULL)
			ctl_key_cache_add(cache, specs[i].cert);
	if (!ctl_build_check(err, &check, buf, len, sgn, cache, s->cert) ||
	    !ctl_write_atomic(err, path, buf, len, 0644))
		goto out;
	if (out_check != NULL) {
		*out_check = check;
		memset(&check, 0, sizeof(check));
	}
	ok = 1;
out:
	ctl_file_cleanup(&check);
	ctl_key_cache_free(cache);
	free(buf);
	return ok;
}
