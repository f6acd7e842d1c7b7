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

/* Key-file signer: impl is the EVP_PKEY. */
static int key_sign(struct ctl_signer *s, struct ctl_err *err, uint8_t *out,
		    size_t out_len, const EVP_MD *md,
		    const struct ctl_span *spans, size_t nspans)
{
	return ctl_evp_sign(s->impl, err, out, out_len, md, spans, nspans);
}

static void key_free(struct ctl_signer *s)
{
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
	char *pass;
};

static int get_pass(struct pass_ctx *pc)
{
	char prompt[300];

	if (pc->pass != NULL)
		return 1;
	snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", pc->path);
	pc->pass = ctl_read_secret(pc->err, prompt, "CTLSIGN_KEY_PASSPHRASE");
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

static EVP_PKEY *load_key(struct ctl_err *err, const char *path)
{
	struct pass_ctx pc = { err, path, NULL };
	uint8_t *data = NULL;
	size_t len = 0;
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long der_len = 0, der_cap = 0;
	EVP_CIPHER_INFO cipher;
	EVP_PKEY *key = NULL;
	BIO *bio = NULL;

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
			ctl_err_set(err, CTL_E_FORMAT,
				    "%s: not a PEM private key", path);
			goto out;
		}
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
				"%s: not a PEM private key", path);
out:
	burn_str(pc.pass);
	OPENSSL_secure_free(name);
	OPENSSL_secure_free(header);
	OPENSSL_secure_clear_free(der, (size_t)der_cap);
	BIO_free(bio);
	burn_free(data, len);
	return key;
}

struct ctl_signer *ctl_signer_from_key_file(struct ctl_err *err,
					    const char **out_warning,
					    const char *key_path,
					    const char *cert_path)
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
	key = load_key(err, key_path);
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
