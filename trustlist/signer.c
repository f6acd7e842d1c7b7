/*
 * signer.c - the signer interface and its key-file implementation.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>

#include "signer.h"
#include "trustlist.h"
#include "util.h"

struct ctl_signer *ctl_signer_new(const struct ctl_signer_ops *ops,
				  void *impl, X509 *cert, const char *label)
{
	struct ctl_signer *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->ops = ops;
	s->impl = impl;
	s->cert = cert;
	snprintf(s->label, sizeof(s->label), "%s", label ? label : "signer");
	return s;
}

void ctl_signer_free(struct ctl_signer *s)
{
	if (s == NULL)
		return;
	if (s->ops != NULL && s->ops->free != NULL)
		s->ops->free(s);
	X509_free(s->cert);
	free(s);
}

static int unsigned_sign(struct ctl_signer *s, struct ctl_err *err, uint8_t *out,
			 size_t out_len, const EVP_MD *md,
			 const struct ctl_span *spans, size_t nspans)
{
	(void)s;
	(void)err;
	(void)md;
	(void)spans;
	(void)nspans;
	memset(out, 0, out_len);
	return 1;
}

static const struct ctl_signer_ops unsigned_ops = { unsigned_sign, NULL };

struct ctl_signer *ctl_signer_unsigned(X509 *cert, int etoken, const char *label)
{
	struct ctl_signer *s = ctl_signer_new(&unsigned_ops, NULL, cert, label);

	if (s == NULL)
		X509_free(cert);
	else
		s->etoken = etoken;
	return s;
}

size_t ctl_signer_sig_len(const struct ctl_signer *s)
{
	EVP_PKEY *pk = X509_get0_pubkey(s->cert);
	int n = pk != NULL ? EVP_PKEY_get_size(pk) : 0;

	return n > 0 ? (size_t)n : 0;
}

int ctl_evp_sign(EVP_PKEY *key, struct ctl_err *err, uint8_t *out,
		 size_t out_len, const EVP_MD *md,
		 const struct ctl_span *spans, size_t nspans)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t siglen = out_len;
	int ok = 0;

	if (ctx == NULL ||
	    EVP_DigestSignInit(ctx, &pctx, md, NULL, key) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
		ctl_err_openssl(err, CTL_E_TOKEN, "cannot start signing");
		goto out;
	}
	for (size_t i = 0; i < nspans; i++) {
		if (EVP_DigestSignUpdate(ctx, spans[i].p, spans[i].n) != 1) {
			ctl_err_openssl(err, CTL_E_INTERNAL, "hashing failed");
			goto out;
		}
	}
	if (EVP_DigestSignFinal(ctx, out, &siglen) != 1) {
		ctl_err_openssl(err, CTL_E_TOKEN, "signing failed");
		goto out;
	}
	if (siglen != out_len) {
		ctl_err_set(err, CTL_E_TOKEN,
			    "signature of %zu bytes, expected %zu", siglen,
			    out_len);
		goto out;
	}
	ok = 1;
out:
	EVP_MD_CTX_free(ctx);
	return ok;
}

/*
 * Key-file signer: impl is the EVP_PKEY; reuse holds a digest context
 * and a signing context on the key, made on first use and kept for the
 * next file, and the digest fetched once. EVP_DigestSignInit per file
 * (fetches, a new context) cost ~10% of an RSA-1024 signature, which
 * kept ctl_build below 90% of the ceiling (docs/benchmarks.md). The bytes
 * are the same: PKCS#1 v1.5 over the same digest.
 */
struct key_reuse {
	EVP_MD_CTX *mdctx;
	EVP_PKEY_CTX *pctx;
	EVP_MD *md;   /* fetched: the implementation of ... */
	int md_type;  /* ... this digest (NID), 0 before the first */
};

static void key_reuse_free(struct key_reuse *r)
{
	if (r == NULL)
		return;
	EVP_MD_free(r->md);
	EVP_PKEY_CTX_free(r->pctx);
	EVP_MD_CTX_free(r->mdctx);
	free(r);
}

static int key_sign(struct ctl_signer *s, struct ctl_err *err, uint8_t *out,
		    size_t out_len, const EVP_MD *md,
		    const struct ctl_span *spans, size_t nspans)
{
	struct key_reuse *r = s->reuse;
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	size_t siglen = out_len;

	if (r == NULL) {
		r = calloc(1, sizeof(*r));
		if (r == NULL || (r->mdctx = EVP_MD_CTX_new()) == NULL ||
		    (r->pctx = EVP_PKEY_CTX_new(s->impl, NULL)) == NULL ||
		    EVP_PKEY_sign_init(r->pctx) != 1 ||
		    EVP_PKEY_CTX_set_rsa_padding(r->pctx, RSA_PKCS1_PADDING) != 1) {
			key_reuse_free(r);
			return ctl_err_openssl(err, CTL_E_TOKEN, "cannot start signing");
		}
		s->reuse = r;
	}
	if (r->md_type != EVP_MD_get_type(md)) {
		EVP_MD_free(r->md);
		r->md_type = 0;
		r->md = EVP_MD_fetch(NULL, EVP_MD_get0_name(md), NULL);
		if (r->md == NULL)
			return ctl_err_openssl(err, CTL_E_INTERNAL, "cannot load the digest");
		r->md_type = EVP_MD_get_type(md);
	}
	if (EVP_DigestInit_ex(r->mdctx, r->md, NULL) != 1)
		return ctl_err_openssl(err, CTL_E_INTERNAL, "hashing failed");
	for (size_t i = 0; i < nspans; i++)
		if (EVP_DigestUpdate(r->mdctx, spans[i].p, spans[i].n) != 1)
			return ctl_err_openssl(err, CTL_E_INTERNAL, "hashing failed");
	if (EVP_DigestFinal_ex(r->mdctx, h, &hl) != 1)
		return ctl_err_openssl(err, CTL_E_INTERNAL, "hashing failed");
	if (EVP_PKEY_CTX_set_signature_md(r->pctx, r->md) != 1 ||
	    EVP_PKEY_sign(r->pctx, out, &siglen, h, hl) != 1)
		return ctl_err_openssl(err, CTL_E_TOKEN, "signing failed");
	if (siglen != out_len)
		return ctl_err_set(err, CTL_E_TOKEN,
				   "signature of %zu bytes, expected %zu", siglen,
				   out_len);
	return 1;
}

static void key_free(struct ctl_signer *s)
{
	key_reuse_free(s->reuse);
	s->reuse = NULL;
	EVP_PKEY_free(s->impl);
	s->impl = NULL;
}

static const struct ctl_signer_ops key_ops = { key_sign, key_free };

/*
 * The passphrase of an encrypted key: read by ctl_read_secret into a
 * buffer that we wipe, handed to the decryption directly (PKCS8_decrypt,
 * or PEM_do_header's callback, whose buffer OpenSSL wipes), never
 * through PEM_read_bio_PrivateKey: OpenSSL 3's decoder keeps copies of
 * a callback's passphrase in UI buffers of its own. Asked once, and only
 * for a key that is encrypted.
 */
struct pass_ctx {
	struct ctl_err *err;
	const char *path;
	const struct ctl_asker *asker;
	char *pass;
};

static int get_pass(struct pass_ctx *pc)
{
	char prompt[300];

	if (pc->pass != NULL)
		return 1;
	snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", pc->path);
	pc->pass = ctl_read_secret(pc->err, pc->asker, prompt,
				   "CTLSIGN_KEY_PASSPHRASE");
	return pc->pass != NULL;
}

/* For PEM_do_header, which wipes buf after use. */
static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct pass_ctx *pc = u;
	size_t n = pc->pass != NULL ? strlen(pc->pass) : 0;

	(void)rwflag;
	if (pc->pass == NULL || size <= 0 || n > (size_t)size)
		return -1;
	memcpy(buf, pc->pass, n);
	return (int)n;
}

/* The PEM blocks that hold a private key. */
static int is_key_block(const char *name)
{
	return strcmp(name, PEM_STRING_PKCS8) == 0 ||
	       strcmp(name, PEM_STRING_PKCS8INF) == 0 ||
	       strcmp(name, PEM_STRING_RSA) == 0 ||
	       strcmp(name, PEM_STRING_ECPRIVATEKEY) == 0 ||
	       strcmp(name, PEM_STRING_DSA) == 0;
}

/* The key in the DER of an unencrypted (or decrypted) block. */
static EVP_PKEY *der_key(const char *name, const unsigned char *der, long len)
{
	const unsigned char *p = der;
	PKCS8_PRIV_KEY_INFO *p8;
	EVP_PKEY *key;

	if (strcmp(name, PEM_STRING_PKCS8INF) == 0) {
		p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, len);
		key = p8 != NULL ? EVP_PKCS82PKEY(p8) : NULL;
		PKCS8_PRIV_KEY_INFO_free(p8);
		return key;
	}
	return d2i_PrivateKey(strcmp(name, PEM_STRING_RSA) == 0 ? EVP_PKEY_RSA :
			      strcmp(name, PEM_STRING_DSA) == 0 ? EVP_PKEY_DSA :
			      EVP_PKEY_EC, NULL, &p, len);
}

/* An encrypted PKCS#8 block ("ENCRYPTED PRIVATE KEY"). */
static EVP_PKEY *pkcs8_key(struct pass_ctx *pc, const unsigned char *der,
			   long len)
{
	const unsigned char *p = der;
	X509_SIG *sig = d2i_X509_SIG(NULL, &p, len);
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	EVP_PKEY *key = NULL;

	if (sig == NULL) {
		ctl_err_openssl(pc->err, CTL_E_FORMAT,
				"%s: damaged encrypted private key", pc->path);
		return NULL;
	}
	if (get_pass(pc)) {
		p8 = PKCS8_decrypt(sig, pc->pass, (int)strlen(pc->pass));
		key = p8 != NULL ? EVP_PKCS82PKEY(p8) : NULL;
		if (key == NULL)
			ctl_err_openssl(pc->err, CTL_E_USAGE,
					"%s: cannot decrypt the key (wrong passphrase?)",
					pc->path);
	}
	PKCS8_PRIV_KEY_INFO_free(p8);
	X509_SIG_free(sig);
	return key;
}

/*
 * A DER key file: encrypted PKCS#8, PKCS#8, a PKCS#1 RSAPrivateKey or
 * (to be refused by name: not RSA) an SEC1 EC key, each taking the whole
 * file. The structures cannot be taken for one another: an encrypted
 * PKCS#8 starts with an AlgorithmIdentifier, the others with an INTEGER
 * version, and a PKCS#8 has its algorithm where PKCS#1 has the modulus.
 * The decoded copies are released with the same clearing as on the PEM
 * path (OpenSSL clears PKCS8_PRIV_KEY_INFO and key structures on free);
 * the file's bytes are wiped by the caller.
 */
static EVP_PKEY *der_file_key(struct pass_ctx *pc, const uint8_t *data,
			      size_t len)
{
	static const int types[] = { EVP_PKEY_RSA, EVP_PKEY_EC };
	const unsigned char *p = data, *end = data + len;
	PKCS8_PRIV_KEY_INFO *p8;
	X509_SIG *sig;
	EVP_PKEY *key = NULL;

	sig = d2i_X509_SIG(NULL, &p, (long)len);
	X509_SIG_free(sig);
	if (sig != NULL && p == end)
		return pkcs8_key(pc, data, (long)len);
	p = data;
	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
	if (p8 != NULL && p == end)
		key = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	for (size_t i = 0; key == NULL && i < sizeof(types) / sizeof(types[0]); i++) {
		p = data;
		key = d2i_PrivateKey(types[i], NULL, &p, (long)len);
		if (key != NULL && p != end) {
			EVP_PKEY_free(key);
			key = NULL;
		}
	}
	ERR_clear_error();
	if (key == NULL)
		ctl_err_set(pc->err, CTL_E_FORMAT, "%s: not a private key: neither "
			    "PEM nor DER (PKCS#8, encrypted or not, or PKCS#1 RSA)",
			    pc->path);
	return key;
}

static EVP_PKEY *load_key(struct ctl_err *err, const char *path,
			  const struct ctl_asker *asker)
{
	struct pass_ctx pc = { err, path, asker, NULL };
	uint8_t *data = NULL;
	size_t len = 0;
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long der_len = 0, der_cap = 0;
	EVP_CIPHER_INFO cipher;
	EVP_PKEY *key = NULL;
	BIO *bio = NULL;
	int blocks = 0;

	/* A private key is a secret even when no passphrase guards it. */
	if (!ctl_secret_protect(err) ||
	    !ctl_read_file(err, path, 64 * 1024, &data, &len))
		return NULL;
	bio = BIO_new_mem_buf(data, (int)len);
	if (bio == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto out;
	}
	/*
	 * The first private key block (a certificate before it is skipped).
	 * PEM_FLAG_SECURE: the decoded key and OpenSSL's buffers on the way
	 * come from the secure heap and are wiped when freed.
	 */
	for (;;) {
		if (PEM_read_bio_ex(bio, &name, &header, &der, &der_len,
				    PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE) != 1) {
			ERR_clear_error();
			/* No PEM at all and a DER SEQUENCE: a DER key file. */
			if (blocks == 0 && len > 0 && data[0] == 0x30) {
				key = der_file_key(&pc, data, len);
				goto out;
			}
			ctl_err_set(err, CTL_E_FORMAT, blocks == 0 ?
				    "%s: not a private key: neither PEM nor DER "
				    "(PKCS#8, encrypted or not, or PKCS#1 RSA)" :
				    "%s: no private key among its PEM blocks", path);
			goto out;
		}
		blocks++;
		der_cap = der_len;
		if (is_key_block(name))
			break;
		OPENSSL_secure_free(name);
		OPENSSL_secure_free(header);
		OPENSSL_secure_clear_free(der, (size_t)der_cap);
		name = header = NULL;
		der = NULL;
	}
	if (strcmp(name, PEM_STRING_PKCS8) == 0) {
		key = pkcs8_key(&pc, der, der_len);
		goto out;
	}
	if (!PEM_get_EVP_CIPHER_INFO(header, &cipher)) {
		ctl_err_openssl(err, CTL_E_FORMAT,
				"%s: unreadable encryption header", path);
		goto out;
	}
	/* A legacy "Proc-Type: 4,ENCRYPTED" block: decrypted in place. */
	if (cipher.cipher != NULL &&
	    (!get_pass(&pc) ||
	     !PEM_do_header(&cipher, der, &der_len, pass_cb, &pc))) {
		if (pc.pass != NULL)
			ctl_err_openssl(err, CTL_E_USAGE,
					"%s: cannot decrypt the key (wrong passphrase?)",
					path);
		goto out;
	}
	key = der_key(name, der, der_len);
	if (key == NULL)
		ctl_err_openssl(err, cipher.cipher != NULL ? CTL_E_USAGE : CTL_E_FORMAT,
				cipher.cipher != NULL ?
				"%s: cannot decrypt the key (wrong passphrase?)" :
				"%s: its PEM private key does not decode", path);
out:
	burn_str(pc.pass);
	OPENSSL_secure_free(name);
	OPENSSL_secure_free(header);
	OPENSSL_secure_clear_free(der, (size_t)der_cap);
	BIO_free(bio);
	burn_free(data, len);
	return key;
}

EVP_PKEY *ctl_load_private_key(struct ctl_err *err, const char *key_path,
			       const struct ctl_asker *asker)
{
	EVP_PKEY *key = load_key(err, key_path, asker);

	if (key != NULL && EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		EVP_PKEY_free(key);
		ctl_err_set(err, CTL_E_USAGE, "%s: not an RSA key", key_path);
		return NULL;
	}
	return key;
}

struct ctl_signer *ctl_signer_from_key_file(struct ctl_err *err,
					    const char **out_warning,
					    const char *key_path,
					    const char *cert_path,
					    const struct ctl_asker *asker)
{
	struct ctl_signer *s = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	struct stat st;

	*out_warning = NULL;
	if (stat(key_path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
		*out_warning = "private key file is readable by group or others; chmod 600 it";
	cert = ctl_load_cert(err, cert_path);
	if (cert == NULL)
		goto fail;
	key = load_key(err, key_path, asker);
	if (key == NULL)
		goto fail;
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		ctl_err_set(err, CTL_E_USAGE,
			    "%s: not an RSA key: phones verify RSA signatures only",
			    key_path);
		goto fail;
	}
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		ctl_err_set(err, CTL_E_USAGE,
			    "%s: key does not match certificate %s", key_path,
			    cert_path);
		goto fail;
	}
	s = ctl_signer_new(&key_ops, key, cert, key_path);
	if (s == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto fail;
	}
	return s;
fail:
	EVP_PKEY_free(key);
	X509_free(cert);
	return NULL;
}
