/*
 * tokens.h - SAST eToken knowledge: recognising SAST certificates,
 * exporting them, the two-token rule, and opening tokens for a build.
 */
#ifndef CTLSIGN_TOKENS_H
#define CTLSIGN_TOKENS_H

#include <stddef.h>

#include <openssl/x509.h>

#include "err.h"
#include "signer.h"

/* What `ctlsign build` passes for --sign-token / --sast-token. */
struct tokens_build_opts {
	const char *module;              /* --module, or NULL for the default search */
	const char *sign_uri;            /* --sign-token: PKCS#11 URI of the signing token */
	const char *const *sast_uris;    /* --sast-token, in command-line order */
	size_t nsast;
	int allow_single;                /* --allow-single-token */
	int final_try;                   /* --final-try */
};

/*
 * tokens_open_for_build opens the signing token (logging in under the PIN
 * policy) and reads every SAST token's certificate. On success
 * *out_signer signs with the first token (etoken = 1), *out_certs holds
 * the n certificates in order, the signer's first (caller frees each with
 * X509_free and the array with free), and *out_warning is NULL or a
 * static message to show (e.g. a single-token CTL allowed by
 * allow_single). On failure nothing is returned and err is set.
 */
int tokens_open_for_build(struct ctl_err *err,
			  const struct tokens_build_opts *opts,
			  struct ctl_signer **out_signer, X509 ***out_certs,
			  size_t *out_n, const char **out_warning);

#endif
