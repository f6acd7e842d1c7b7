/*
 * enc.c - encrypted configuration files (SEP<MAC>.cnf.xml.enc.sgn) and
 * the stub served beside them. The layout, and where each fact comes
 * from, is docs/encrypted-config.md.
 *
 * Reading trusts nothing before the signature: the header is checked for
 * shape (every element once, lengths that agree), the signature is
 * verified, and only then is the key unwrapped; the plaintext is handed
 * out only when its digest matches ENCHASH. The AES key lives on the
 * stack for the length of one call and is wiped on every path.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "bytes.h"
#include "trustlist.h"
#include "util.h"

/* Records err with the file offset of the element it names. */
static uint16_t u16_of(const struct ctl_field *f)
{
	return (uint16_t)(f->p[0] << 8 | f->p[1]);
}

int ctl_enc_present(const struct ctl_file *f)
{
	for (size_t i = 0; i < f->nelems; i++)
		if (f->elems[i].tag >= HDR_ENCINFO &&
		    f->elems[i].tag <= HDR_ENCHASH)
			return 1;
	return 0;
}

/* The group each encryption element belongs in (0: the top level). */
static uint8_t enc_parent(uint8_t tag)
{
	switch (tag) {
	case HDR_ENCIVINFO: case HDR_ENCKEYINFO:
		return HDR_ENCINFO;
	case HDR_ENCIVRESERVED: case HDR_ENCIV: case HDR_ENCPADLENGTH:
		return HDR_ENCIVINFO;
	case HDR_ENCKEYRESERVED: case HDR_ENCKEYSIZE: case HDR_ENCKEYALGORITHM:
	case HDR_ENCKEY:
		return HDR_ENCKEYINFO;
	default:
		return 0;
	}
}

/*
 * Each element sits in the group the certutils tool puts it in: a file
 * that moves the IV out of ENCIVINFO is not one we know how to read. The
 * one exception: ENCHASHALGORITHM and ENCHASH are also taken inside
 * ENCRYPTIONINFO, because the CUCM file dumped in seed 003 has an
 * ENCRYPTIONINFO 27 bytes longer than certutils writes for a 2048-bit key,
 * which is exactly those two elements with a SHA-1 hash
 * (docs/encrypted-config.md, "Open questions").
 */
static int check_groups(const struct ctl_file *f, struct ctl_err *err)
{
	uint8_t open[3] = { 0, 0, 0 };

	for (size_t i = 0; i < f->nelems; i++) {
		const struct ctl_elem *e = &f->elems[i];
		uint8_t parent = e->depth > 0 && e->depth <= 2 ? open[e->depth - 1] : 0;
		int group = e->p == NULL && e->tag != HDR_PADDING;

		if (group && e->depth < 3)
			open[e->depth] = e->tag;
		if (e->tag < HDR_ENCINFO || e->tag > HDR_ENCHASH)
			continue;
		if (parent != enc_parent(e->tag) &&
		    !((e->tag == HDR_ENCHASHALGORITHM || e->tag == HDR_ENCHASH) &&
		      parent == HDR_ENCINFO))
			return ctl_err_set_at(err, CTL_E_FORMAT, e->off,
					"header: %s at offset %zu is not in %s",
					ctl_header_tag_name(e->tag), e->off,
					enc_parent(e->tag) ? ctl_header_tag_name(enc_parent(e->tag))
							   : "the top level of the header");
	}
	return 1;
}

static int need(const struct ctl_field *fl, struct ctl_err *err, uint8_t tag)
{
	if (fl->present)
		return 1;
	return ctl_err_set_at(err, CTL_E_FORMAT, 0,
			"header: no %s element: not a complete encrypted file",
			ctl_header_tag_name(tag));
}

int ctl_enc_check(const struct ctl_file *f, struct ctl_err *err)
{
	const struct ctl_enc_fields *e = &f->enc;
	const EVP_MD *md;
	uint16_t bits, pad;

	if (!need(&e->iv, err, HDR_ENCIV) ||
	    !need(&e->pad_len, err, HDR_ENCPADLENGTH) ||
	    !need(&e->key_size, err, HDR_ENCKEYSIZE) ||
	    !need(&e->key_alg, err, HDR_ENCKEYALGORITHM) ||
	    !need(&e->key, err, HDR_ENCKEY) ||
	    !need(&e->hash_alg, err, HDR_ENCHASHALGORITHM) ||
	    !need(&e->hash, err, HDR_ENCHASH) ||
	    !check_groups(f, err))
		return 0;
	if (f->kind != KIND_SGN)
		return ctl_err_set_at(err, CTL_E_FORMAT, f->filename.off,
				"header: an encrypted file must be a signed file (FILENAME ending in .sgn)");
	if (e->iv.n != CTL_ENC_BLOCK)
		return ctl_err_set_at(err, CTL_E_FORMAT, e->iv.off,
				"header: ENCIV at offset %zu has length %u, expected %d",
				e->iv.off, e->iv.n, CTL_ENC_BLOCK);
	if (e->key_alg.p[0] != CTL_ENC_KEYALG_AES128)
		return ctl_err_set_at(err, CTL_E_FORMAT, e->key_alg.off,
				"header: ENCKEYALGORITHM at offset %zu is %u; only %d (AES-128-CBC) is known",
				e->key_alg.off, e->key_alg.p[0], CTL_ENC_KEYALG_AES128);
	bits = u16_of(&e->key_size);
	if (e->key.n == 0 || (size_t)e->key.n * 8 != bits)
		return ctl_err_set_at(err, CTL_E_FORMAT, e->key.off,
				"header: ENCKEY at offset %zu holds %u bytes, but ENCKEYSIZE at offset %zu says %u bits",
				e->key.off, e->key.n, e->key_size.off, bits);
	md = ctl_digest_md(e->hash_alg.p[0]);
	if (md == NULL)
		return ctl_err_set_at(err, CTL_E_FORMAT, e->hash_alg.off,
				"header: ENCHASHALGORITHM at offset %zu: unknown digest code %u",
				e->hash_alg.off, e->hash_alg.p[0]);
	if (e->hash.n != (size_t)EVP_MD_get_size(md))
		return ctl_err_set_at(err, CTL_E_FORMAT, e->hash.off,
				"header: ENCHASH at offset %zu has length %u, expected %d for %s",
				e->hash.off, e->hash.n, EVP_MD_get_size(md),
				ctl_digest_name(e->hash_alg.p[0]));
	if (f->payload_len == 0 || f->payload_len % CTL_ENC_BLOCK != 0)
		return ctl_err_set_at(err, CTL_E_FORMAT, f->header_len,
				"encrypted payload at offset %u: %zu bytes is not a whole number of %d-byte blocks",
				f->header_len, f->payload_len, CTL_ENC_BLOCK);
	pad = u16_of(&e->pad_len);
	if (pad > CTL_ENC_BLOCK || pad > f->payload_len)
		return ctl_err_set_at(err, CTL_E_FORMAT, e->pad_len.off,
				"header: ENCPADLENGTH at offset %zu is %u; padding is at most %d bytes",
				e->pad_len.off, pad, CTL_ENC_BLOCK);
	return 1;
}

/* One-shot AES-128-CBC without OpenSSL's padding (ours is 0x0D bytes). */
static int aes_cbc(struct ctl_err *err, int enc, const uint8_t key[CTL_ENC_KEY_LEN],
		   const uint8_t iv[CTL_ENC_BLOCK], const uint8_t *in, size_t n,
		   uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0, ok;

	ok = ctx != NULL && n <= INT_MAX &&
	     EVP_CipherInit_ex(ctx, EVP_aes_128_cbc(), NULL, key, iv, enc) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	     EVP_CipherUpdate(ctx, out, &l1, in, (int)n) == 1 &&
	     EVP_CipherFinal_ex(ctx, out + l1, &l2) == 1 &&
	     (size_t)l1 + (size_t)l2 == n;
	EVP_CIPHER_CTX_free(ctx); /* wipes the expanded key */
	return ok || ctl_err_openssl(err, CTL_E_INTERNAL, "AES-128-CBC failed");
}

/* The encryption elements (tags 16-27) in CUCM's order, lengths by the builder. */
static int enc_elements(struct cbb *b, const uint8_t iv[CTL_ENC_BLOCK],
			uint16_t pad, const uint8_t *wrapped, size_t wlen,
			uint8_t digest, const uint8_t *hash, size_t hlen)
{
	static const uint8_t zero = 0, aes = CTL_ENC_KEYALG_AES128;

	return cbb_add_u8(b, HDR_ENCINFO) && cbb_open_u16(b) &&
	       cbb_add_u8(b, HDR_ENCIVINFO) && cbb_open_u16(b) &&
	       cbb_element(b, HDR_ENCIVRESERVED, &zero, 1) &&
	       cbb_element(b, HDR_ENCIV, iv, CTL_ENC_BLOCK) &&
	       cbb_add_u8(b, HDR_ENCPADLENGTH) && cbb_open_u16(b) &&
	       cbb_add_u16(b, pad) && cbb_close(b) && cbb_close(b) &&
	       cbb_add_u8(b, HDR_ENCKEYINFO) && cbb_open_u16(b) &&
	       cbb_element(b, HDR_ENCKEYRESERVED, &zero, 1) &&
	       cbb_add_u8(b, HDR_ENCKEYSIZE) && cbb_open_u16(b) &&
	       wlen * 8 <= 0xffff && cbb_add_u16(b, (uint16_t)(wlen * 8)) &&
	       cbb_close(b) &&
	       cbb_element(b, HDR_ENCKEYALGORITHM, &aes, 1) &&
	       cbb_element(b, HDR_ENCKEY, wrapped, wlen) && cbb_close(b) &&
	       cbb_close(b) &&
	       cbb_element(b, HDR_ENCHASHALGORITHM, &digest, 1) &&
	       cbb_element(b, HDR_ENCHASH, hash, hlen);
}

/* Wraps key with the phone certificate's RSA key; *out is OPENSSL_malloc'd. */
static int wrap_key(struct ctl_err *err, X509 *phone_cert,
		    const uint8_t key[CTL_ENC_KEY_LEN], uint8_t **out,
		    size_t *out_len)
{
	EVP_PKEY *pk = X509_get0_pubkey(phone_cert);
	EVP_PKEY_CTX *ctx = NULL;
	size_t n = 0;
	int ok = 0;

	*out = NULL;
	if (pk == NULL || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
		return ctl_err_set(err, CTL_E_USAGE,
				   "phone certificate: not an RSA key; the key can only be wrapped for RSA");
	ctx = EVP_PKEY_CTX_new(pk, NULL);
	if (ctx == NULL || EVP_PKEY_encrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_encrypt(ctx, NULL, &n, key, CTL_ENC_KEY_LEN) != 1 ||
	    (*out = OPENSSL_malloc(n)) == NULL ||
	    EVP_PKEY_encrypt(ctx, *out, &n, key, CTL_ENC_KEY_LEN) != 1) {
		ctl_err_openssl(err, CTL_E_INTERNAL, "cannot wrap the key for the phone");
		goto out;
	}
	*out_len = n;
	ok = 1;
out:
	if (!ok) {
		OPENSSL_free(*out);
		*out = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

int ctl_enc_build(struct ctl_err *err, uint8_t **out, size_t *out_len,
		  const struct ctl_build_opts *opts, struct ctl_signer *signer,
		  X509 *phone_cert, const uint8_t *config, size_t config_len)
{
	const EVP_MD *md = ctl_digest_md(opts->digest);
	uint8_t key[CTL_ENC_KEY_LEN], iv[CTL_ENC_BLOCK], hash[EVP_MAX_MD_SIZE];
	uint8_t *padded = NULL, *ct = NULL, *wrapped = NULL, *elems = NULL;
	size_t pad = CTL_ENC_BLOCK - config_len % CTL_ENC_BLOCK, n, wlen = 0,
	       elen = 0;
	unsigned int hlen = 0;
	struct ctl_build_opts o = *opts;
	struct cbb b = { 0 };
	int ok = 0;

	if (md == NULL)
		return ctl_err_set(err, CTL_E_USAGE, "unknown digest code %u",
				   opts->digest);
	if (config_len > CTL_MAX_FILE)
		return ctl_err_set(err, CTL_E_USAGE,
				   "configuration of %zu bytes is larger than the %u-byte limit",
				   config_len, CTL_MAX_FILE);
	n = config_len + pad;
	if (RAND_priv_bytes(key, sizeof(key)) != 1 ||
	    RAND_bytes(iv, sizeof(iv)) != 1) {
		ctl_err_openssl(err, CTL_E_INTERNAL, "no random bytes for the key");
		goto out;
	}
	padded = malloc(n);
	ct = malloc(n);
	if (padded == NULL || ct == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto out;
	}
	if (config_len > 0)
		memcpy(padded, config, config_len);
	/* Padding as the certutils tool writes it: 1 to 16 carriage returns. */
	memset(padded + config_len, '\r', pad);
	if (EVP_Digest(config, config_len, hash, &hlen, md, NULL) != 1) {
		ctl_err_openssl(err, CTL_E_INTERNAL, "cannot hash the configuration");
		goto out;
	}
	if (!aes_cbc(err, 1, key, iv, padded, n, ct) ||
	    !wrap_key(err, phone_cert, key, &wrapped, &wlen))
		goto out;
	burn(key, sizeof(key));
	if (!cbb_init(&b, 64 + wlen + hlen) ||
	    !enc_elements(&b, iv, (uint16_t)pad, wrapped, wlen, opts->digest,
			  hash, hlen) ||
	    !cbb_finish(&b, &elems, &elen)) {
		ctl_err_set(err, CTL_E_USAGE,
			    "the encryption header does not fit (a %zu-bit phone key?)",
			    wlen * 8);
		goto out;
	}
	o.kind = KIND_SGN;
	o.extra_header = elems;
	o.extra_header_len = elen;
	ok = ctl_build(err, out, out_len, &o, signer, NULL, 0, ct, n);
out:
	burn(key, sizeof(key));
	cbb_cleanup(&b);
	free(elems);
	OPENSSL_free(wrapped);
	burn_free(padded, padded != NULL ? n : 0);
	free(ct);
	return ok;
}

/* Unwraps ENCKEY with the phone key into key; 0 with CTL_E_VERIFY if it does not. */
static int unwrap_key(const struct ctl_file *f, struct ctl_err *err,
		      EVP_PKEY *phone_key, uint8_t key[CTL_ENC_KEY_LEN])
{
	const struct ctl_field *w = &f->enc.key;
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t buf[1024];
	size_t n = sizeof(buf);
	int bits = EVP_PKEY_get_bits(phone_key), ok = 0;

	if (EVP_PKEY_get_base_id(phone_key) != EVP_PKEY_RSA ||
	    (size_t)EVP_PKEY_get_size(phone_key) != w->n)
		return ctl_err_set_at(err, CTL_E_VERIFY, w->off,
				"header: ENCKEY at offset %zu is wrapped for a %u-bit key; the phone key is %d-bit %s",
				w->off, w->n * 8u, bits,
				EVP_PKEY_get_base_id(phone_key) == EVP_PKEY_RSA ? "RSA" : "non-RSA");
	ctx = EVP_PKEY_CTX_new(phone_key, NULL);
	if (ctx == NULL || EVP_PKEY_decrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) {
		ctl_err_openssl(err, CTL_E_INTERNAL, "cannot start unwrapping the key");
		goto out;
	}
	if (EVP_PKEY_decrypt(ctx, buf, &n, w->p, w->n) != 1 ||
	    n != CTL_ENC_KEY_LEN) {
		ERR_clear_error();
		ctl_err_set_at(err, CTL_E_VERIFY, w->off,
			 "header: ENCKEY at offset %zu does not unwrap with the phone key (a key for another phone?)",
			 w->off);
		goto out;
	}
	memcpy(key, buf, CTL_ENC_KEY_LEN);
	ok = 1;
out:
	burn(buf, sizeof(buf));
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

int ctl_enc_decrypt(const struct ctl_file *f, struct ctl_err *err,
		    X509 *signer_cert, EVP_PKEY *phone_key,
		    uint8_t **out, size_t *out_len)
{
	const struct ctl_enc_fields *e = &f->enc;
	uint8_t key[CTL_ENC_KEY_LEN], hash[EVP_MAX_MD_SIZE];
	uint8_t *plain = NULL;
	unsigned int hlen = 0;
	size_t n;
	int ok = 0;

	*out = NULL;
	*out_len = 0;
	if (!ctl_enc_check(f, err))
		return 0;
	/* Nothing is unwrapped or decrypted before the signature holds. */
	if (!ctl_verify(f, err, NULL, NULL, signer_cert))
		return 0;
	if (!unwrap_key(f, err, phone_key, key))
		return 0;
	plain = malloc(f->payload_len);
	if (plain == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto out;
	}
	if (!aes_cbc(err, 0, key, e->iv.p, f->payload, f->payload_len, plain))
		goto out;
	burn(key, sizeof(key));
	n = f->payload_len - u16_of(&e->pad_len);
	if (EVP_Digest(plain, n, hash, &hlen, ctl_digest_md(e->hash_alg.p[0]),
		       NULL) != 1) {
		ctl_err_openssl(err, CTL_E_INTERNAL, "cannot hash the configuration");
		goto out;
	}
	if (hlen != e->hash.n || CRYPTO_memcmp(hash, e->hash.p, hlen) != 0) {
		ctl_err_set_at(err, CTL_E_VERIFY, e->hash.off,
			 "the decrypted configuration does not match ENCHASH at offset %zu: the wrong phone key, or an altered IV or payload",
			 e->hash.off);
		goto out;
	}
	*out = plain;
	*out_len = n;
	plain = NULL;
	ok = 1;
out:
	burn(key, sizeof(key));
	burn_free(plain, plain != NULL ? f->payload_len : 0);
	return ok;
}

int ctl_cert_md5_hex(X509 *cert, char out[33])
{
	unsigned char *der = NULL;
	uint8_t md[16];
	unsigned int mdlen = 0;
	int n = i2d_X509(cert, &der), ok;

	ok = n > 0 && EVP_Digest(der, (size_t)n, md, &mdlen, EVP_md5(), NULL) == 1 &&
	     mdlen == sizeof(md);
	OPENSSL_free(der);
	if (!ok)
		return 0;
	ctl_hex(out, md, sizeof(md), 0, 0);
	return 1;
}

/*
 * Finds the element <name ...>...</name> (or <name/>) of the text at p:
 * its offset and length, as far as a configuration file writes them
 * (each of these elements once, not nested in itself). 0 if absent or
 * unclosed.
 */
static int find_element(const uint8_t *p, size_t n, const char *name,
			size_t *out_off, size_t *out_len)
{
	size_t k = strlen(name);

	for (size_t i = 0; i + k + 2 <= n; i++) {
		size_t j;
		uint8_t c;

		if (p[i] != '<' || memcmp(p + i + 1, name, k) != 0)
			continue;
		c = p[i + 1 + k];
		if (c != '>' && c != '/' && c != ' ' && c != '\t' &&
		    c != '\r' && c != '\n')
			continue;
		for (j = i + 1 + k; j < n && p[j] != '>'; j++)
			;
		if (j == n)
			return 0;
		if (p[j - 1] == '/') { /* <name/> */
			*out_off = i;
			*out_len = j + 1 - i;
			return 1;
		}
		for (j++; j + k + 3 <= n; j++)
			if (p[j] == '<' && p[j + 1] == '/' &&
			    memcmp(p + j + 2, name, k) == 0 && p[j + 2 + k] == '>') {
				*out_off = i;
				*out_len = j + k + 3 - i;
				return 1;
			}
		return 0;
	}
	return 0;
}

int ctl_enc_stub(struct ctl_err *err, uint8_t **out, size_t *out_len,
		 const uint8_t *config, size_t config_len, X509 *phone_cert)
{
	/* The order of seed 003's stub. */
	static const char *const keep[] = { "loadInformation", "ipAddressMode",
					    "capfAuthMode", "capfList" };
	static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				   "<device>\n<fullConfig>False</fullConfig>\n";
	char md5[33], tail[128];
	struct cbb b;

	if (!ctl_cert_md5_hex(phone_cert, md5))
		return ctl_err_openssl(err, CTL_E_FORMAT,
				       "phone certificate: cannot hash it");
	snprintf(tail, sizeof(tail),
		 "<certHash>%s</certHash>\n<encrConfig>true</encrConfig>\n</device>\n",
		 md5);
	if (!cbb_init(&b, 1024))
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	cbb_add_bytes(&b, head, strlen(head));
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		size_t off, len;

		if (find_element(config, config_len, keep[i], &off, &len) &&
		    cbb_add_bytes(&b, config + off, len))
			cbb_add_u8(&b, '\n');
	}
	cbb_add_bytes(&b, tail, strlen(tail));
	if (!cbb_finish(&b, out, out_len)) {
		cbb_cleanup(&b);
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	}
	return 1;
}

int ctl_enc_stub_certhash(const uint8_t *p, size_t n, char out[33])
{
	static const char open[] = "<certHash>";
	size_t off, len, k = sizeof(open) - 1;

	if (!find_element(p, n, "certHash", &off, &len) ||
	    len != k + 32 + k + 1 || memcmp(p + off, open, k) != 0)
		return 0;
	for (size_t i = 0; i < 32; i++) {
		uint8_t c = p[off + k + i];

		if (c >= 'A' && c <= 'F')
			c = (uint8_t)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
		out[i] = (char)c;
	}
	out[32] = '\0';
	return 1;
}
