/*
 * names.c - certificate facts rendered the way CUCM writes them into a
 * trust list: distinguished names, serial numbers.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "bytes.h"
#include "trustlist.h"
#include "util.h"

/* CUCM's fixed attribute order; anything else follows in certificate order. */
static const int cucm_order[] = { NID_commonName, NID_organizationalUnitName,
				  NID_organizationName, NID_localityName,
				  NID_stateOrProvinceName, NID_countryName };
#define NORDER (sizeof(cucm_order) / sizeof(cucm_order[0]))

static int is_ordered(int nid)
{
	for (size_t i = 0; i < NORDER; i++)
		if (cucm_order[i] == nid)
			return 1;
	return 0;
}

/*
 * ascii_value: is the entry's value one that ASN1_STRING_to_UTF8 would
 * return unchanged? A string type it reads as ASCII/Latin-1 or as UTF-8,
 * holding only bytes 0x01-0x7f. Names are rendered for every record of
 * every CTL built, and the conversion (an allocation, a copy, a second
 * pass) was ~4% of ctl_build (docs/benchmarks.md).
 */
static int ascii_value(const ASN1_STRING *v)
{
	const unsigned char *p = ASN1_STRING_get0_data(v);
	int n = ASN1_STRING_length(v);

	switch (ASN1_STRING_type(v)) {
	case V_ASN1_UTF8STRING: case V_ASN1_PRINTABLESTRING:
	case V_ASN1_IA5STRING: case V_ASN1_T61STRING:
	case V_ASN1_NUMERICSTRING: case V_ASN1_VISIBLESTRING:
		break;
	default:
		return 0;
	}
	for (int i = 0; i < n; i++)
		if (p[i] == 0 || p[i] > 0x7f)
			return 0;
	return 1;
}

static int add_entry(struct cbb *out, const X509_NAME_ENTRY *e)
{
	const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
	const ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);
	int nid = OBJ_obj2nid(obj);
	unsigned char *utf8 = NULL;
	char oid[80];
	const char *sn;
	int n, ok;

	if (nid != NID_undef) {
		sn = OBJ_nid2sn(nid);
	} else {
		OBJ_obj2txt(oid, sizeof(oid), obj, 1);
		sn = oid;
	}
	if (ascii_value(v))
		return (out->len == 0 || cbb_add_u8(out, ';')) &&
		       cbb_add_bytes(out, sn, strlen(sn)) && cbb_add_u8(out, '=') &&
		       cbb_add_bytes(out, ASN1_STRING_get0_data(v),
				     (size_t)ASN1_STRING_length(v));
	n = ASN1_STRING_to_UTF8(&utf8, v);
	if (n < 0)
		return 0;
	/* A NUL inside a value would end the rendered name early. */
	if (memchr(utf8, '\0', (size_t)n) != NULL) {
		OPENSSL_free(utf8);
		return 0;
	}
	ok = (out->len == 0 || cbb_add_u8(out, ';')) &&
	     cbb_add_bytes(out, sn, strlen(sn)) && cbb_add_u8(out, '=') &&
	     cbb_add_bytes(out, utf8, (size_t)n);
	OPENSSL_free(utf8);
	return ok;
}

char *ctl_name_render(const X509_NAME *name)
{
	struct cbb out;
	uint8_t *s = NULL;
	size_t len;
	int count = X509_NAME_entry_count(name);

	if (!cbb_init(&out, 128))
		return NULL;
	for (size_t k = 0; k < NORDER; k++) {
		for (int i = 0; i < count; i++) {
			const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);

			if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) ==
				    cucm_order[k] &&
			    !add_entry(&out, e))
				goto fail;
		}
	}
	for (int i = 0; i < count; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);

		if (!is_ordered(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e))) &&
		    !add_entry(&out, e))
			goto fail;
	}
	if (!cbb_add_u8(&out, '\0') || !cbb_finish(&out, &s, &len))
		goto fail;
	return (char *)s;
fail:
	cbb_cleanup(&out);
	return NULL;
}

size_t ctl_serial_bytes(const X509 *cert, uint8_t out[64])
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(cert);
	const unsigned char *p = ASN1_STRING_get0_data(serial);
	int len = ASN1_STRING_length(serial);
	BIGNUM *bn;
	int n;

	/*
	 * A positive serial is kept as its magnitude, minimal (the decoder
	 * refuses padding): those are BN_bn2bin's bytes, without a BIGNUM
	 * made and freed for every record built. Anything else (negative,
	 * zero, a leading zero) goes the long way, as before.
	 */
	if (ASN1_STRING_type(serial) == V_ASN1_INTEGER && len > 0 && len <= 64 &&
	    p[0] != 0) {
		memcpy(out, p, (size_t)len);
		return (size_t)len;
	}
	bn = ASN1_INTEGER_to_BN(serial, NULL);
	if (bn == NULL)
		return 0;
	if (BN_num_bytes(bn) > 64) {
		BN_free(bn);
		return 0;
	}
	n = BN_bn2bin(bn, out);
	BN_free(bn);
	if (n == 0) { /* serial 0 is one zero byte, not nothing */
		out[0] = 0;
		n = 1;
	}
	return (size_t)n;
}

int ctl_pubkey_bytes(const X509 *cert, unsigned char **out)
{
	const unsigned char *p = NULL;
	int n = 0;

	/*
	 * The subjectPublicKey BIT STRING already holds what i2d_PublicKey
	 * would write (RSA: the PKCS#1 RSAPublicKey). Copying it skips
	 * OpenSSL 3.0's encoder lookup, which cost ~75 us a call and made
	 * record building four times slower than signing (docs/benchmarks.md).
	 */
	*out = NULL;
	/* A key that does not decode fails here, as i2d_PublicKey failed. */
	if (X509_get0_pubkey(cert) == NULL ||
	    X509_PUBKEY_get0_param(NULL, &p, &n, NULL,
				   X509_get_X509_PUBKEY(cert)) != 1 ||
	    p == NULL || n <= 0)
		return -1;
	*out = OPENSSL_memdup(p, (size_t)n);
	return *out != NULL ? n : -1;
}

X509 *ctl_load_cert(struct ctl_err *err, const char *path)
{
	uint8_t *data = NULL;
	size_t len = 0;
	const unsigned char *p;
	X509 *cert = NULL;
	BIO *bio = NULL;

	if (!ctl_read_file(err, path, 1024 * 1024, &data, &len))
		return NULL;
	p = data;
	cert = d2i_X509(NULL, &p, (long)len);
	if (cert == NULL || p != data + len) {
		X509_free(cert);
		cert = NULL;
		ERR_clear_error();
		bio = BIO_new_mem_buf(data, (int)len);
		if (bio != NULL)
			cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	}
	if (cert == NULL)
		ctl_err_openssl(err, CTL_E_FORMAT,
				"%s: not a PEM or DER certificate", path);
	BIO_free(bio);
	free(data);
	return cert;
}

/*
 * One attribute of a rendered name: "key=value" or key="value". The key
 * is compared without regard to case and the quotes are not part of the
 * value: the Windows CTL client wrote `cn="SAST-ADN008580ef ";o="Cisco
 * Systems"` where CUCM writes `CN=...;O=...` for the same certificate.
 */
struct name_attr {
	const char *key, *val;
	size_t key_len, val_len;
};

/* next_attr reads one attribute from *p (n bytes left); 0 if malformed. */
static int next_attr(const char **p, size_t *n, struct name_attr *a)
{
	const char *s = *p, *end = *p + *n;

	a->key = s;
	while (s < end && *s != '=')
		s++;
	if (s == end || s == a->key)
		return 0;
	a->key_len = (size_t)(s - a->key);
	s++;
	if (s < end && *s == '"') {
		a->val = ++s;
		while (s < end && *s != '"')
			s++;
		if (s == end)
			return 0;
		a->val_len = (size_t)(s - a->val);
		s++;
	} else {
		a->val = s;
		while (s < end && *s != ';')
			s++;
		a->val_len = (size_t)(s - a->val);
	}
	if (s < end && *s++ != ';')
		return 0;
	*n = (size_t)(end - s);
	*p = s;
	return 1;
}

static int attr_eq(const struct name_attr *a, const struct name_attr *b)
{
	return a->key_len == b->key_len && a->val_len == b->val_len &&
	       OPENSSL_strncasecmp(a->key, b->key, a->key_len) == 0 &&
	       memcmp(a->val, b->val, a->val_len) == 0;
}

#define NAME_MAX_ATTRS 32

/* split fills out[] with the attributes of s (n bytes); -1 if malformed. */
static int split(const char *s, size_t n, struct name_attr *out)
{
	int k = 0;

	while (n > 0 && s[n - 1] == '\0') /* the NUL(s) CUCM writes */
		n--;
	while (n > 0) {
		if (k == NAME_MAX_ATTRS || !next_attr(&s, &n, &out[k]))
			return -1;
		k++;
	}
	return k;
}

/*
 * The form other signers write (the usecallmanagernz certutils tools
 * sgnfile and enccnf): each attribute as RFC 4514 writes it, in
 * certificate order, ',' between, then a NUL.
 */
static int matches_comma_form(const uint8_t *p, size_t n, const X509_NAME *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;
	long len;
	int same = 0;

	while (n > 0 && p[n - 1] == '\0')
		n--;
	if (b != NULL &&
	    X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~XN_FLAG_DN_REV) >= 0) {
		len = BIO_get_mem_data(b, &s);
		same = len > 0 && (size_t)len == n && memcmp(s, p, n) == 0;
	}
	BIO_free(b);
	return same;
}

int ctl_name_matches(const uint8_t *p, size_t n, const X509_NAME *name)
{
	struct name_attr a[NAME_MAX_ATTRS], b[NAME_MAX_ATTRS];
	char *mine = ctl_name_render(name);
	size_t mine_len;
	int na, nb, same = 0;
	unsigned char used[NAME_MAX_ATTRS] = { 0 };

	if (mine == NULL)
		return 0;
	mine_len = strlen(mine);
	/* The common case: the file was written the way we render. */
	if ((n == mine_len + 1 && memcmp(p, mine, n) == 0) ||
	    (n == mine_len && memcmp(p, mine, n) == 0)) {
		free(mine);
		return 1;
	}
	na = split((const char *)p, n, a);
	nb = split(mine, mine_len, b);
	if (na >= 0 && na == nb) {
		/* The same attributes, each used once, in any order. */
		same = 1;
		for (int i = 0; i < na && same; i++) {
			int found = 0;

			for (int j = 0; j < nb && !found; j++)
				if (!used[j] && attr_eq(&a[i], &b[j]))
					found = used[j] = 1;
			same = found;
		}
	}
	free(mine);
	return same || matches_comma_form(p, n, name);
}
