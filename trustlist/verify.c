/*
 * verify.c - checking a trust list or .sgn file the way a phone does:
 * the signer must be a SAST record named by the header's issuer and
 * serial, and its key must verify the file with SIGNATURE cut out.
 *
 * A signature proves an identity only through a certificate: the signer
 * record must carry a CERTIFICATE whose serial and issuer are the
 * header's and whose key is the record's PUBLICKEY, and the signature is
 * checked with that certificate's key, never with a bare PUBLICKEY. A
 * record that only holds a CERTHASH (ITL TVS/CAPF style) cannot sign: a
 * hash names a certificate it does not prove the signer has
 * (docs/trust-rules.md).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/md5.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "bytes.h"
#include "trustlist.h"

/* A certificate parsed once, with the facts records are checked against. */
/*
 * A verify context on a certificate's key, made on first use and reused:
 * setting one up per file cost as much as the RSA verify. md is the
 * digest last set on it (setting it looks the digest up again: ~0.3 us).
 */
struct vctx {
	EVP_PKEY_CTX *pctx;
	const EVP_MD *md;
};

struct key_entry {
	struct key_entry *chain;            /* the next in its bucket */
	struct key_entry *newer, *older;    /* the cache's use order */
	uint64_t hash;
	uint8_t *der;
	size_t der_len;
	X509 *cert;
	uint8_t serial[64];
	size_t serial_len;
	char *issuer;      /* rendered as we write it, NUL included */
	size_t issuer_len;
	unsigned char *pub;
	int pub_len;
	struct vctx vctx;
};

/*
 * The cache is a hash table of certificates by their DER bytes, least
 * recently used out first. The old one was 64 slots, first in first out:
 * a CTL of more than 64 certificates evicted each before its next use
 * and parsed every certificate of every file again (~100 us each under
 * OpenSSL 3.0), so a 201-record CTL cost 130 times a 51-record one per
 * record. KEY_CACHE_MAX is more distinct certificates than any cluster
 * has (a CTL holds at most a few hundred records) and bounds the memory
 * (~5 KB an entry: ~5 MB) however many files or hostile certificates
 * come through.
 */
#define KEY_CACHE_MAX 1024
#define KEY_CACHE_BUCKETS 1024 /* a power of two */

/*
 * A cache belongs to one thread at a time: lookups fill slots and the
 * verify contexts and digests in it are used without locking.
 */
struct ctl_key_cache {
	struct key_entry **bucket; /* KEY_CACHE_BUCKETS, on first insert */
	size_t count;
	struct key_entry *newest, *oldest;
	EVP_MD *md[DIGEST_SHA512 + 1]; /* fetched once, by digest code */
	EVP_MD_CTX *mdctx;             /* reused for every file's hash */
};

struct ctl_key_cache *ctl_key_cache_new(void)
{
	return calloc(1, sizeof(struct ctl_key_cache));
}

static void key_entry_cleanup(struct key_entry *e)
{
	free(e->der);
	free(e->issuer);
	X509_free(e->cert);
	OPENSSL_free(e->pub);
	EVP_PKEY_CTX_free(e->vctx.pctx);
	memset(e, 0, sizeof(*e));
}

void ctl_key_cache_free(struct ctl_key_cache *c)
{
	struct key_entry *e, *next;

	if (c == NULL)
		return;
	for (e = c->newest; e != NULL; e = next) {
		next = e->older;
		key_entry_cleanup(e);
		free(e);
	}
	free(c->bucket);
	for (size_t i = 0; i < sizeof(c->md) / sizeof(c->md[0]); i++)
		EVP_MD_free(c->md[i]);
	EVP_MD_CTX_free(c->mdctx);
	free(c);
}

/*
 * der_hash: a hash of the length and the last 32 bytes, which are the
 * certificate's own signature: distinct certificates differ there, and
 * hashing 32 bytes instead of ~1 KB keeps a lookup far below a record's
 * other costs. Taken a word at a time (a byte-wise FNV-1a was a chain of
 * 40 dependent multiplies per lookup, five lookups per file). Not a
 * defence: certificates made to collide only lengthen one chain, and
 * every hit is confirmed by comparing all the bytes.
 */
static uint64_t der_hash(const uint8_t *der, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u ^ (uint64_t)n;

	if (n >= 32) {
		for (size_t i = n - 32; i < n; i += 8) {
			uint64_t w;

			memcpy(&w, der + i, sizeof(w));
			h = (h ^ w) * 0x9e3779b97f4a7c15u;
		}
	} else {
		for (size_t i = 0; i < n; i++)
			h = (h ^ der[i]) * 0x100000001b3u;
	}
	/* The bucket is taken from the low bits: mix every bit into them. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	return h ^ (h >> 33);
}

/*
 * key_entry_fill gives e cert (a reference e now owns) and the facts
 * records are checked against; der (n bytes) is copied.
 */
static int key_entry_fill(struct key_entry *e, X509 *cert, const uint8_t *der,
			  size_t n)
{
	e->cert = cert;
	e->serial_len = ctl_serial_bytes(cert, e->serial);
	e->pub_len = ctl_pubkey_bytes(cert, &e->pub);
	e->issuer = ctl_name_render(X509_get_issuer_name(cert));
	e->der = malloc(n);
	if (e->serial_len == 0 || e->pub_len <= 0 || e->der == NULL ||
	    e->issuer == NULL)
		return 0;
	e->issuer_len = strlen(e->issuer) + 1;
	memcpy(e->der, der, n);
	e->der_len = n;
	return 1;
}

static int key_entry_init(struct key_entry *e, const uint8_t *der, size_t n)
{
	const unsigned char *p = der;
	X509 *cert;

	memset(e, 0, sizeof(*e));
	cert = d2i_X509(NULL, &p, (long)n);
	if (cert != NULL && (p != der + n || !key_entry_fill(e, cert, der, n))) {
		if (e->cert == NULL)
			X509_free(cert);
		cert = NULL;
	}
	if (cert != NULL)
		return 1;
	ERR_clear_error();
	key_entry_cleanup(e);
	return 0;
}

static void unlink_use(struct ctl_key_cache *c, struct key_entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void link_newest(struct ctl_key_cache *c, struct key_entry *e)
{
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest != NULL)
		c->newest->newer = e;
	c->newest = e;
	if (c->oldest == NULL)
		c->oldest = e;
}

/* find returns the cache's entry for der (now the newest), or NULL. */
static struct key_entry *find(struct ctl_key_cache *c, const uint8_t *der,
			      size_t n, uint64_t h)
{
	struct key_entry *e;

	if (c->bucket == NULL)
		return NULL;
	for (e = c->bucket[h & (KEY_CACHE_BUCKETS - 1)]; e != NULL; e = e->chain) {
		if (e->hash == h && e->der_len == n && memcmp(e->der, der, n) == 0) {
			unlink_use(c, e);
			link_newest(c, e);
			return e;
		}
	}
	return NULL;
}

/* evict drops the least recently used entry. */
static void evict(struct ctl_key_cache *c)
{
	struct key_entry *e = c->oldest, **pp;

	if (e == NULL)
		return;
	for (pp = &c->bucket[e->hash & (KEY_CACHE_BUCKETS - 1)]; *pp != e;
	     pp = &(*pp)->chain)
		;
	*pp = e->chain;
	unlink_use(c, e);
	key_entry_cleanup(e);
	free(e);
	c->count--;
}

/*
 * insert takes e (heap, filled, der set) into the cache as its newest
 * entry, first making room; on failure e is freed and 0 returned.
 */
static int insert(struct ctl_key_cache *c, struct key_entry *e)
{
	struct key_entry **b;

	if (c->bucket == NULL &&
	    (c->bucket = calloc(KEY_CACHE_BUCKETS, sizeof(*c->bucket))) == NULL) {
		key_entry_cleanup(e);
		free(e);
		return 0;
	}
	while (c->count >= KEY_CACHE_MAX)
		evict(c);
	e->hash = der_hash(e->der, e->der_len);
	b = &c->bucket[e->hash & (KEY_CACHE_BUCKETS - 1)];
	e->chain = *b;
	*b = e;
	link_newest(c, e);
	c->count++;
	return 1;
}

int ctl_key_cache_add(struct ctl_key_cache *c, X509 *cert)
{
	struct key_entry *e;
	unsigned char *der = NULL;
	int n = i2d_X509(cert, &der);

	if (n <= 0) {
		ERR_clear_error();
		return 0;
	}
	if (find(c, der, (size_t)n, der_hash(der, (size_t)n)) != NULL) {
		OPENSSL_free(der);
		return 1;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		OPENSSL_free(der);
		return 0;
	}
	if (X509_get0_pubkey(cert) == NULL || X509_up_ref(cert) != 1 ||
	    !key_entry_fill(e, cert, der, (size_t)n)) {
		OPENSSL_free(der);
		ERR_clear_error();
		key_entry_cleanup(e);
		free(e);
		return 0;
	}
	OPENSSL_free(der);
	return insert(c, e);
}

/*
 * Looks der up in the cache (parsing it into the cache if new). Returns
 * the entry, or NULL if the certificate does not parse. A cached entry
 * stays valid until the next lookup in the same cache.
 */
static const struct key_entry *get_key(struct ctl_key_cache *c,
				       const uint8_t *der, size_t n)
{
	struct key_entry *e;

	e = find(c, der, n, der_hash(der, n));
	if (e != NULL)
		return e;
	if ((e = malloc(sizeof(*e))) == NULL)
		return NULL;
	if (!key_entry_init(e, der, n)) {
		free(e);
		return NULL;
	}
	return insert(c, e) ? e : NULL;
}

const X509 *ctl_key_cache_cert(struct ctl_key_cache *c, const uint8_t *der,
			       size_t n)
{
	const struct key_entry *e = c != NULL ? get_key(c, der, n) : NULL;

	return e != NULL ? e->cert : NULL;
}

static int field_eq(const struct ctl_field *a, const struct ctl_field *b)
{
	return a->present && b->present && a->n == b->n &&
	       memcmp(a->p, b->p, a->n) == 0;
}

/* answers_header: is r a SAST record with the header's CANAME and serial? */
static int answers_header(const struct ctl_file *f, const struct ctl_record *r)
{
	return r->role == ROLE_SAST && field_eq(&r->serial, &f->signer_serial) &&
	       field_eq(&r->issuer, &f->ca_name);
}

int ctl_find_signer(const struct ctl_file *f)
{
	for (size_t i = 0; i < f->nrecs; i++)
		if (answers_header(f, &f->recs[i]))
			return (int)i;
	return -1;
}

int ctl_checksums(const struct ctl_file *f, uint8_t md5[16], uint8_t sha1[20])
{
	/*
	 * MD5 and SHA-1 fetched once for the process and kept to its end:
	 * EVP_md5() and EVP_sha1() fetch implicitly in every EVP_Digest, a
	 * provider lookup under a lock. Threads (verify -j) may race to
	 * fetch: the first stored wins, a loser frees its own. Should a
	 * fetch fail, the implicit one is used, as before.
	 */
	static EVP_MD *fetched[2];
	static const char *const names[2] = { "MD5", "SHA1" };
	const EVP_MD *md[2] = { EVP_md5(), EVP_sha1() };

	for (int i = 0; i < 2; i++) {
		EVP_MD *m = __atomic_load_n(&fetched[i], __ATOMIC_ACQUIRE), *none = NULL;

		if (m == NULL && (m = EVP_MD_fetch(NULL, names[i], NULL)) != NULL &&
		    !__atomic_compare_exchange_n(&fetched[i], &none, m, 0,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			EVP_MD_free(m);
			m = none;
		}
		if (m != NULL)
			md[i] = m;
	}
	if (EVP_Digest(f->buf, f->len, md5, NULL, md[0], NULL) != 1 ||
	    EVP_Digest(f->buf, f->len, sha1, NULL, md[1], NULL) != 1) {
		ERR_clear_error();
		memset(md5, 0, 16);
		memset(sha1, 0, 20);
		return 0;
	}
	return 1;
}

/* Every certificate parses and agrees with its record's fields. */
static int check_records(const struct ctl_file *f, struct ctl_err *err,
			 struct ctl_key_cache *cache)
{
	for (size_t i = 0; i < f->nrecs; i++) {
		const struct ctl_record *r = &f->recs[i];
		const struct key_entry *k;

		if (!r->cert.present)
			continue;
		k = get_key(cache, r->cert.p, r->cert.n);
		if (k == NULL)
			return ctl_err_set_at(err, CTL_E_FORMAT, r->cert.off,
					      "record %zu at offset %zu: CERTIFICATE at offset %zu does not parse",
					      i + 1, r->off, r->cert.off);
		if (r->serial.present &&
		    (r->serial.n != k->serial_len ||
		     memcmp(r->serial.p, k->serial, k->serial_len) != 0))
			return ctl_err_set_at(err, CTL_E_VERIFY, r->off,
					 "record %zu at offset %zu: SERIALNUMBER does not match its CERTIFICATE",
					 i + 1, r->off);
		if (r->pubkey.present &&
			 (r->pubkey.n != (size_t)k->pub_len ||
			  memcmp(r->pubkey.p, k->pub, r->pubkey.n) != 0))
			return ctl_err_set_at(err, CTL_E_VERIFY, r->off,
					 "record %zu at offset %zu: PUBLICKEY does not match its CERTIFICATE",
					 i + 1, r->off);
	}
	return 1;
}

/*
 * The digest for a DIGESTALGORITHM code, fetched once per cache: an
 * implicit fetch on every EVP_DigestInit costs a provider lookup.
 */
static const EVP_MD *cache_md(struct ctl_key_cache *c, uint8_t code)
{
	static const char *const names[] = {
		[DIGEST_SHA1] = "SHA1",
		[DIGEST_SHA256] = "SHA256",
		[DIGEST_SHA512] = "SHA512",
	};

	if (code < DIGEST_SHA1 || code > DIGEST_SHA512)
		return NULL;
	if (c->md[code] == NULL)
		c->md[code] = EVP_MD_fetch(NULL, names[code], NULL);
	return c->md[code];
}

/*
 * verify_sig checks the file's signature with pk: the file is hashed
 * with SIGNATURE cut out, and the hash verified with RSA PKCS#1 v1.5.
 * vc is the key's verify context, made here if it has none and left for
 * the caller to keep (or free).
 */
static int verify_sig(const struct ctl_file *f, struct ctl_err *err,
		      struct ctl_key_cache *cache, EVP_PKEY *pk,
		      struct vctx *vc)
{
	const EVP_MD *md = NULL;
	const struct ctl_field *sig = &f->signature;
	struct cbs all, before;
	EVP_MD_CTX *ctx;
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;

	if (ctl_digest_md(f->digest.p[0]) == NULL)
		return ctl_err_set_at(err, CTL_E_FORMAT, f->digest.off,
				   "header: DIGESTALGORITHM %u at offset %zu is not SHA-1, SHA-256 or SHA-512",
				   f->digest.p[0], f->digest.off);
	if ((int)sig->n != EVP_PKEY_get_size(pk))
		return ctl_err_set_at(err, CTL_E_VERIFY, sig->off,
				   "header: SIGNATURE at offset %zu is %u bytes, the signer's key makes %d",
				   sig->off, sig->n, EVP_PKEY_get_size(pk));
	md = cache_md(cache, f->digest.p[0]);
	if (md == NULL)
		return ctl_err_openssl(err, CTL_E_INTERNAL, "cannot load the digest");
	/* The signed bytes: all but the SIGNATURE element (tag, length, value). */
	cbs_init(&all, f->buf, f->len, 0);
	if (!cbs_get_bytes(&all, &before, sig->off) ||
	    !cbs_skip(&all, 3u + sig->n))
		return ctl_err_set(err, CTL_E_INTERNAL, "SIGNATURE outside the file");
	if (vc->pctx == NULL) {
		vc->md = NULL;
		vc->pctx = EVP_PKEY_CTX_new(pk, NULL);
		if (vc->pctx == NULL || EVP_PKEY_verify_init(vc->pctx) != 1 ||
		    EVP_PKEY_CTX_set_rsa_padding(vc->pctx, RSA_PKCS1_PADDING) != 1) {
			EVP_PKEY_CTX_free(vc->pctx);
			vc->pctx = NULL;
			return ctl_err_openssl(err, CTL_E_INTERNAL,
					       "cannot start verifying");
		}
	}
	if (cache->mdctx == NULL)
		cache->mdctx = EVP_MD_CTX_new();
	ctx = cache->mdctx;
	if (ctx == NULL || EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, cbs_data(&before), cbs_len(&before)) != 1 ||
	    EVP_DigestUpdate(ctx, cbs_data(&all), cbs_len(&all)) != 1 ||
	    EVP_DigestFinal_ex(ctx, h, &hl) != 1)
		return ctl_err_openssl(err, CTL_E_INTERNAL, "cannot hash the file");
	if (vc->md != md) {
		vc->md = NULL;
		if (EVP_PKEY_CTX_set_signature_md(vc->pctx, md) != 1)
			return ctl_err_openssl(err, CTL_E_INTERNAL, "cannot set the digest");
		vc->md = md;
	}
	if (EVP_PKEY_verify(vc->pctx, sig->p, sig->n, h, hl) != 1) {
		ERR_clear_error();
		return ctl_err_set(err, CTL_E_VERIFY,
				   "signature does not verify with the signer's key");
	}
	return 1;
}

/* issuer_ok: does the rendered name field name k's issuer? */
static int issuer_ok(const struct key_entry *k, const struct ctl_field *f)
{
	if (f->present && f->n == k->issuer_len &&
	    memcmp(f->p, k->issuer, f->n) == 0)
		return 1;
	return f->present &&
	       ctl_name_matches(f->p, f->n, X509_get_issuer_name(k->cert));
}

/*
 * signer_key checks that the signing record r (index i) is one a phone
 * can tie to a certificate, and returns that certificate's key: the
 * record carries a CERTIFICATE (check_records has compared its serial
 * and PUBLICKEY with the record's), the record holds a PUBLICKEY, and
 * the certificate's issuer is the header's CANAME. *out_vctx points at
 * the key's cached verify context.
 */
static EVP_PKEY *signer_key(const struct ctl_file *f, struct ctl_err *err,
			    size_t i, struct ctl_key_cache *cache,
			    struct vctx **out_vctx)
{
	const struct ctl_record *r = &f->recs[i];
	const struct key_entry *k;
	EVP_PKEY *pk;

	if (!r->cert.present) {
		ctl_err_set_at(err, CTL_E_VERIFY, r->off,
			    "record %zu at offset %zu: the signer carries no CERTIFICATE: "
			    "a %s cannot prove who signed",
			    i + 1, r->off,
			    r->certhash.present ? "CERTHASH" : "bare PUBLICKEY");
		return NULL;
	}
	if (!r->pubkey.present) {
		ctl_err_set_at(err, CTL_E_VERIFY, r->off,
			    "record %zu at offset %zu: the signer carries no PUBLICKEY",
			    i + 1, r->off);
		return NULL;
	}
	k = get_key(cache, r->cert.p, r->cert.n);
	if (k == NULL) {
		ctl_err_set_at(err, CTL_E_FORMAT, r->cert.off,
			    "record %zu at offset %zu: CERTIFICATE at offset %zu does not parse",
			    i + 1, r->off, r->cert.off);
		return NULL;
	}
	if (!issuer_ok(k, &f->ca_name)) {
		ctl_err_set_at(err, CTL_E_VERIFY, f->ca_name.off,
			    "header: CANAME at offset %zu is not the issuer of the signer's CERTIFICATE (record %zu)",
			    f->ca_name.off, i + 1);
		return NULL;
	}
	/* The entry's verify context is reused by the next file. */
	*out_vctx = &((struct key_entry *)k)->vctx;
	/* A reference, not a copy: the cache keeps the key parsed. */
	pk = X509_get0_pubkey(k->cert);
	if (pk == NULL || EVP_PKEY_up_ref(pk) != 1) {
		ctl_err_set(err, CTL_E_FORMAT, "the signer's public key cannot be read");
		return NULL;
	}
	return pk;
}

/*
 * signature_placed: SIGNATURE sits at the top level right after the
 * SIGNATUREINFO group, as CUCM and every third-party signer put it. The
 * signature covers the file with SIGNATURE cut out, so anywhere else it
 * could be moved without breaking the signature while changing the
 * file's hash (what phones show and TVS compares).
 */
static int signature_placed(const struct ctl_file *f, struct ctl_err *err)
{
	uint8_t last_top = 0;

	for (size_t i = 0; i < f->nelems; i++) {
		const struct ctl_elem *e = &f->elems[i];

		if (e->tag == HDR_SIGNATURE && e->off == f->signature.off) {
			if (e->depth == 0 && last_top == HDR_SIGNATUREINFO)
				return 1;
			break;
		}
		if (e->depth == 0)
			last_top = e->tag;
	}
	return ctl_err_set_at(err, CTL_E_VERIFY, f->signature.off,
			   "header: SIGNATURE at offset %zu does not follow the SIGNATUREINFO group",
			   f->signature.off);
}

int ctl_verify(const struct ctl_file *f, struct ctl_err *err,
	       struct ctl_verify_result *out, struct ctl_key_cache *cache,
	       X509 *signer_cert)
{
	struct ctl_verify_result res = { .signer_index = -1 };
	struct ctl_key_cache *own = NULL;
	struct vctx own_vctx = { NULL, NULL }, *vctx = &own_vctx;
	enum ctl_kind named;
	EVP_PKEY *pk = NULL;
	int ok = 0;

	/*
	 * Without the caller's cache, one for this file: the signer's
	 * certificate sits in two or three records and, under OpenSSL 3.0,
	 * every parse of it costs ~100 us of decoder lookup.
	 */
	if (cache == NULL) {
		cache = own = ctl_key_cache_new();
		if (own == NULL) {
			ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
			goto out;
		}
	}
	if (!f->signature.present || !f->digest.present) {
		ctl_err_set(err, CTL_E_VERIFY, "header: the file is not signed (no %s element)",
			    f->signature.present ? "DIGESTALGORITHM" : "SIGNATURE");
		goto out;
	}
	if (!signature_placed(f, err))
		goto out;
	/*
	 * A .sgn signature is a signature over a file of any content: read as
	 * records, a signed configuration file must never pass for a trust
	 * list signed by the same (TFTP) key.
	 */
	if (f->kind != KIND_SGN && f->filename.present &&
	    ctl_name_kind((const char *)f->filename.p, f->filename.n, &named) &&
	    named == KIND_SGN) {
		ctl_err_set_at(err, CTL_E_VERIFY, f->filename.off,
			    "header: FILENAME at offset %zu names a signed file (.sgn), not a trust list",
			    f->filename.off);
		goto out;
	}
	if (f->kind == KIND_SGN) {
		uint8_t serial[64];
		size_t n;

		if (signer_cert == NULL) {
			ctl_err_set(err, CTL_E_USAGE,
				    "a signed file needs the signer's certificate (--cert)");
			goto out;
		}
		n = ctl_serial_bytes(signer_cert, serial);
		if (!f->signer_serial.present || f->signer_serial.n != n ||
		    memcmp(f->signer_serial.p, serial, n) != 0) {
			ctl_err_set(err, CTL_E_VERIFY,
				    "header: SERIALNUMBER names another signer than the given certificate");
			goto out;
		}
		if (!f->ca_name.present ||
		    !ctl_name_matches(f->ca_name.p, f->ca_name.n,
				      X509_get_issuer_name(signer_cert))) {
			ctl_err_set(err, CTL_E_VERIFY,
				    "header: CANAME names another issuer than the given certificate's");
			goto out;
		}
		pk = X509_get0_pubkey(signer_cert);
		if (pk != NULL && EVP_PKEY_up_ref(pk) != 1)
			pk = NULL;
		if (pk == NULL) {
			ctl_err_set(err, CTL_E_FORMAT, "the signer's public key cannot be read");
			goto out;
		}
	} else {
		if (!check_records(f, err, cache))
			goto out;
		res.signer_index = ctl_find_signer(f);
		if (res.signer_index < 0) {
			ctl_err_set(err, CTL_E_VERIFY,
				    "header: the signer named by SIGNERID (CANAME and SERIALNUMBER) is not a SAST record of this file");
			goto out;
		}
		/* One signer: a phone may pick another of two look-alike records. */
		for (size_t i = (size_t)res.signer_index + 1; i < f->nrecs; i++) {
			if (answers_header(f, &f->recs[i])) {
				ctl_err_set(err, CTL_E_VERIFY,
					    "records %d and %zu are both SAST records with the header's CANAME and SERIALNUMBER: the signer is ambiguous",
					    res.signer_index + 1, i + 1);
				goto out;
			}
		}
		pk = signer_key(f, err, (size_t)res.signer_index, cache, &vctx);
		if (pk == NULL)
			goto out;
	}
	if (!verify_sig(f, err, cache, pk, vctx))
		goto out;
	ok = 1;
out:
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(own_vctx.pctx);
	ctl_key_cache_free(own);
	if (out != NULL)
		*out = res;
	return ok;
}
