/*
 * signer.h - the one interface through which trust lists and .sgn files
 * are signed. A key file (signer_key.c) is one implementation; a PKCS#11
 * token (p11/) is another. The engine only ever sees this struct.
 */
#ifndef CTLSIGN_SIGNER_H
#define CTLSIGN_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"

struct ctl_asker;

/* A piece of the bytes to sign; the signature covers the pieces in order. */
struct ctl_span {
	const uint8_t *p;
	size_t n;
};

struct ctl_signer;

struct ctl_signer_ops {
	/*
	 * sign hashes the spans with md and writes an RSA PKCS#1 v1.5
	 * signature of exactly ctl_signer_sig_len() bytes to out.
	 */
	int (*sign)(struct ctl_signer *s, struct ctl_err *err, uint8_t *out,
		    size_t out_len, const EVP_MD *md,
		    const struct ctl_span *spans, size_t nspans);
	/* free releases the implementation's state (not the X509). */
	void (*free)(struct ctl_signer *s);
};

struct ctl_signer {
	const struct ctl_signer_ops *ops;
	X509 *cert;        /* owned: the signer's certificate */
	int etoken;        /* 1: a SAST eToken, records written CTL-client style */
	char label[128];   /* for messages: key file path or token label */
	void *impl;        /* owned by the implementation */
	void *reuse;       /* the key-file signer's contexts, kept between files */
};

/*
 * ctl_signer_new wraps ops and impl; takes ownership of cert (up-ref'd by
 * the caller if it keeps a reference). Returns NULL on allocation failure.
 */
struct ctl_signer *ctl_signer_new(const struct ctl_signer_ops *ops,
				  void *impl, X509 *cert, const char *label);
/* ctl_signer_free calls ops->free, frees cert and the struct; NULL is fine. */
void ctl_signer_free(struct ctl_signer *s);
/*
 * ctl_signer_unsigned is a signer that signs nothing: its signature is
 * zero bytes of the right length, so that a file can be laid out exactly
 * as cert's key would sign it without the key, a PIN or a passphrase
 * (`migrate --dry-run` judges what it would publish). Such a file never
 * verifies and must never be written where anything could load it.
 * Takes ownership of cert; NULL when out of memory (cert freed).
 */
struct ctl_signer *ctl_signer_unsigned(X509 *cert, int etoken, const char *label);
/* ctl_signer_sig_len returns the signature size in bytes (RSA modulus). */
size_t ctl_signer_sig_len(const struct ctl_signer *s);

/*
 * ctl_evp_sign is the common EVP_DigestSign path over spans, used by every
 * signer whose key is an EVP_PKEY (a key file, or libp11's token key).
 */
int ctl_evp_sign(EVP_PKEY *key, struct ctl_err *err, uint8_t *out,
		 size_t out_len, const EVP_MD *md,
		 const struct ctl_span *spans, size_t nspans);

/*
 * ctl_signer_from_key_file loads an RSA private key (PEM: PKCS#8,
 * encrypted or not, or a traditional key, legacy-encrypted or not; for an
 * encrypted key only, a passphrase is read from CTLSIGN_KEY_PASSPHRASE or
 * asked through asker (ctl_read_secret; NULL: nobody to ask), given to
 * the decryption from our own buffer and wiped after use, as are the
 * decoded key bytes; a wrong one is CTL_E_USAGE) and its certificate (PEM
 * or DER), checks that they match,
 * and warns through *out_warning (static string or NULL) when the key file
 * is readable by group or others. Returns NULL with err set on failure.
 */
struct ctl_signer *ctl_signer_from_key_file(struct ctl_err *err,
					    const char **out_warning,
					    const char *key_path,
					    const char *cert_path,
					    const struct ctl_asker *asker);

/*
 * ctl_load_private_key loads an RSA private key from key_path under the
 * rules of ctl_signer_from_key_file (secure heap, passphrase asked only
 * for an encrypted key and wiped): for a key that decrypts rather than
 * signs, such as a phone's. The caller releases it with EVP_PKEY_free.
 */
EVP_PKEY *ctl_load_private_key(struct ctl_err *err, const char *key_path,
			       const struct ctl_asker *asker);

#endif
