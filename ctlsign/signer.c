/*
 * signer.c - the signer interface and its key-file implementation.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
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

struct pass_ctx {
	struct ctl_err *err;
	const char *path;
	int asked;
};

/* Asked only for an encrypted key; the copy OpenSSL gets is its to wipe. */
static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct pass_ctx *pc = u;
	char prompt[300];
	char *pass;
	size_t n;

	if (pc->asked++)
		return -1;
	snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", pc->path);
	pass = ctl_read_secret(pc->err, prompt, "CTLSIGN_KEY_PASSPHRASE");
	if (pass == NULL)
		return -1;
	n = strlen(pass);
	if (n >= (size_t)size)
		n = (size_t)size - 1;
	memcpy(buf, pass, n);
	burn_str(pass);
	return (int)n;
}

static EVP_PKEY *load_key(struct ctl_err *err, const char *path)
{
	struct pass_ctx pc = { err, path, 0 };
	uint8_t *data = NULL;
	size_t len = 0;
	EVP_PKEY *key = NULL;
	BIO *bio = NULL;

	if (!ctl_read_file(err, path, 64 * 1024, &data, &len))
		return NULL;
	bio = BIO_new_mem_buf(data, (int)len);
	if (bio != NULL)
		key = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, &pc);
	if (key == NULL) {
		if (pc.asked)
			ctl_err_openssl(err, CTL_E_USAGE,
					"%s: cannot decrypt the key (wrong passphrase?)",
					path);
		else
			ctl_err_openssl(err, CTL_E_FORMAT,
					"%s: not a PEM private key", path);
	}
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
