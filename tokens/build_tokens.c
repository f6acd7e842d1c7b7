/*
 * build_tokens.c - opening the eTokens of `ctlsign build --sign-token`.
 *
 * Order matters for the PIN: every token is found and every certificate
 * read (no login needed) and the two-token rule checked before the PIN
 * is asked, so a typo in a URI never costs a PIN attempt.
 */
#include <stdlib.h>
#include <string.h>

#include "p11.h"
#include "tokens.h"
#include "tokens_int.h"

static const char single_warning[] =
	"this eToken CTL names a single SAST token (--allow-single-token): if that "
	"token is lost or its PIN locks, phones accept no new CTL until the CTL is "
	"deleted on every phone by hand; add a second token with --sast-token";
static const char not_sast_warning[] =
	"a token certificate is not named like a SAST eToken (CN=SAST-...); "
	"check that it is the certificate you mean to put in the CTL";

int tokens_open_for_build(struct ctl_err *err,
			  const struct tokens_build_opts *opts,
			  struct ctl_signer **out_signer, X509 ***out_certs,
			  size_t *out_n, const char **out_warning)
{
	size_t n = opts->nsast + 1;
	struct p11_uri *u = calloc(n, sizeof(*u));
	PKCS11_SLOT **slots = calloc(n, sizeof(*slots));
	PKCS11_CERT **certs = calloc(n, sizeof(*certs));
	X509 **x = calloc(n, sizeof(*x));
	struct ctl_signer *signer = NULL;
	const char *module = NULL;
	struct p11 *p = NULL;
	char label[128], printable[100];
	int all_sast = 1, ok = 0;

	*out_signer = NULL;
	*out_certs = NULL;
	*out_n = 0;
	*out_warning = NULL;
	if (u == NULL || slots == NULL || certs == NULL || x == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if (!p11_uri_parse(&u[i], err, i == 0 ? opts->sign_uri
						      : opts->sast_uris[i - 1]))
			goto done;
	/* Before touching a module: losing one token must not strand phones. */
	if (n < 2 && !opts->allow_single) {
		ctl_err_set(err, CTL_E_USAGE,
			    "an eToken CTL needs at least two SAST tokens, so that losing one does not strand the phones; add --sast-token URI (or --allow-single-token)");
		goto done;
	}
	if (!tokens_pick_module(err, &module, opts->module, u, n) ||
	    (p = p11_open(err, module)) == NULL)
		goto done;
	for (size_t i = 0; i < n; i++) {
		slots[i] = p11_find_token(p, err, &u[i]);
		if (slots[i] == NULL)
			goto done;
		for (size_t j = 0; j < i; j++)
			if (slots[j] == slots[i]) {
				ctl_err_set(err, CTL_E_USAGE,
					    "%s and %s name the same token; a second token must be another token",
					    u[j].text, u[i].text);
				goto done;
			}
		certs[i] = p11_find_cert(err, slots[i], &u[i], tokens_is_sast);
		if (certs[i] == NULL)
			goto done;
		/* One certificate on two tokens would make one SAST record. */
		for (size_t j = 0; j < i; j++)
			if (X509_cmp(certs[j]->x509, certs[i]->x509) == 0) {
				ctl_err_set(err, CTL_E_USAGE,
					    "%s and %s hold the same certificate; the CTL needs two different SAST tokens",
					    u[j].text, u[i].text);
				goto done;
			}
		if (!tokens_is_sast(certs[i]->x509))
			all_sast = 0;
	}
	if (!p11_login(err, p, slots[0], &u[0], opts->final_try, opts->asker))
		goto done;
	snprintf(label, sizeof(label), "token %s",
		 p11_printable(printable, sizeof(printable), slots[0]->token->label));
	signer = p11_signer_new(err, p, slots[0], certs[0], label);
	if (signer == NULL)
		goto done;
	for (size_t i = 0; i < n; i++) {
		if (!X509_up_ref(certs[i]->x509)) {
			ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
			goto done;
		}
		x[i] = certs[i]->x509;
	}
	if (n < 2)
		*out_warning = single_warning;
	else if (!all_sast)
		*out_warning = not_sast_warning;
	*out_signer = signer;
	*out_certs = x;
	*out_n = n;
	signer = NULL;
	x = NULL;
	ok = 1;
done:
	if (!ok)
		p11_blame(p, err);
	ctl_signer_free(signer);
	for (size_t i = 0; x != NULL && i < n; i++)
		X509_free(x[i]);
	free(x);
	free(certs);
	free(slots);
	/* The signer holds its own reference to the module. */
	p11_free(p);
	for (size_t i = 0; u != NULL && i < n; i++)
		p11_uri_cleanup(&u[i]);
	free(u);
	return ok;
}
