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

struct ctl_asker;

/*
 * A SAST record that the CTL being built holds whatever the tokens: one
 * kept byte for byte from `build --from OLD`, or one from a --sast file.
 */
struct tokens_sast_rec {
	X509 *cert;                      /* borrowed */
	size_t old_rec;                  /* its number in OLD (1-based); 0: a --sast file */
};

/* What `ctlsign build` passes for --sign-token / --sast-token. */
struct tokens_build_opts {
	const char *module;              /* --module, or NULL for the default search */
	const char *sign_uri;            /* --sign-token: PKCS#11 URI of the signing token */
	const char *const *sast_uris;    /* --sast-token, in command-line order */
	size_t nsast;
	int allow_single;                /* --allow-single-token */
	int final_try;                   /* --final-try */
	const struct ctl_asker *asker;   /* asks for the PIN (p11_login) */
	const struct tokens_sast_rec *recs; /* the CTL's other SAST records (borrowed) */
	int preview;                     /* no login: a ctl_signer_unsigned (--dry-run) */
	size_t nrecs;
	const char *from;                /* OLD's path (--from), for messages; or NULL */
};

/*
 * tokens_open_for_build opens the signing token (logging in under the PIN
 * policy) and reads every SAST token's certificate. On success
 * *out_signer signs with the first token (etoken = 1), *out_certs holds
 * the n certificates in order, the signer's first (caller frees each with
 * X509_free and the array with free), and *out_warning is NULL or a
 * static message to show (e.g. a single-token CTL allowed by
 * allow_single). On failure nothing is returned and err is set. It
 * ignores opts->recs and opts->from: the tokens are the only SAST records
 * (a signer for another file than a CTL, or a CTL built from nothing).
 */
int tokens_open_for_build(struct ctl_err *err,
			  const struct tokens_build_opts *opts,
			  struct ctl_signer **out_signer, X509 ***out_certs,
			  size_t *out_n, const char **out_warning);

/*
 * tokens_open_for_ctl is tokens_open_for_build for a CTL whose other SAST
 * records are opts->recs (a token whose certificate one of them carries
 * is that record, not a second one). The two-token rule counts the
 * eToken SAST records of the file being written: the tokens' and those
 * of opts->recs whose certificate tokens_is_sast; fewer than two is
 * refused (CTL_E_USAGE, before any PIN) unless allow_single. A token
 * that is not plugged in is an error that says what its record in OLD
 * becomes and what to do. out_warning (warning_len bytes) receives ""
 * or one line to show, naming the tokens it is about.
 */
int tokens_open_for_ctl(struct ctl_err *err,
			const struct tokens_build_opts *opts,
			struct ctl_signer **out_signer, X509 ***out_certs,
			size_t *out_n, char *out_warning, size_t warning_len);

/*
 * tokens_private_key opens the token the PKCS#11 URI names (module: --module,
 * else the URI's module-path=, else the default search), logs in under
 * the PIN policy through asker, and returns the RSA private key the URI's
 * object= and id= choose, or the token's only one (several, none or a
 * non-RSA key: an error naming the URI). The key refers to the module:
 * *out_p holds it open until the key is freed (EVP_PKEY_free first,
 * then p11_free(*out_p)). On failure NULL and *out_p is NULL.
 */
struct p11;
EVP_PKEY *tokens_private_key(struct ctl_err *err, const char *uri,
			     const char *module, const struct ctl_asker *asker,
			     struct p11 **out_p);

/*
 * tokens_is_sast tells whether cert looks like a SAST eToken's: the
 * subject CN, without the quotes and blanks the CTL client kept, starts
 * with "SAST-" (the tokens Cisco shipped are CN=SAST-ADN<serial>).
 */
int tokens_is_sast(X509 *cert);

/*
 * tokens_export_name writes the file name for cert: its CN, trimmed, with
 * anything but letters, digits, '.', '-' and '_' made '_', and ".cer"
 * (DER) or ".pem". Returns 0 if the CN is missing or out is too small.
 */
int tokens_export_name(char *out, size_t out_len, X509 *cert, int pem);

/* One certificate found on a token (tokens_scan). */
struct tokens_cert {
	X509 *x509;            /* owned */
	char label[64];        /* CKA_LABEL */
	char id[130];          /* CKA_ID in hex */
	int sast;              /* tokens_is_sast */
	char *uri;             /* owned: its PKCS#11 URI (p11_cert_uri), ASCII */
};

/* One token, with the PIN flags as the module reported them. */
struct tokens_token {
	unsigned long slot_id;
	char label[40], serial[40], manufacturer[40], model[40];
	int login_required, pin_pad, pin_count_low, pin_final_try, pin_locked;
	char *uri;             /* owned: its PKCS#11 URI (p11_token_uri), ASCII */
	struct tokens_cert *certs;
	size_t ncerts;
};

struct tokens_list {
	char module[512];
	struct tokens_token *tokens;
	size_t n;
};

/*
 * tokens_scan loads module (NULL: --module default search, or the first
 * URI's module-path=) and reads every token and its certificates, without
 * logging in. With URIs, keeps the tokens that match one of them; a URI
 * that matches no token is an error. Each token and certificate carries
 * the URI that names it (for --sign-token, --sast-token and these
 * commands; percent-encoded, printable ASCII, still to be printed through
 * the sanitizer like every string). Release with tokens_list_cleanup.
 */
int tokens_scan(struct ctl_err *err, struct tokens_list *out,
		const char *module, const char *const *uris, size_t nuris);
void tokens_list_cleanup(struct tokens_list *l);

/*
 * tokens_export writes every SAST certificate of l into dir, one file
 * each named by tokens_export_name, all or nothing (ctl_write_atomic_set):
 * any failure (none to export, two with one name, a target that is a
 * link, a write or rename that fails) leaves every file as it was.
 * report(name, cert, arg) is called for each file written; may be NULL.
 */
int tokens_export(struct ctl_err *err, const struct tokens_list *l,
		  const char *dir, int pem,
		  void (*report)(const char *path, const struct tokens_cert *c,
				 void *arg),
		  void *arg);

#endif
