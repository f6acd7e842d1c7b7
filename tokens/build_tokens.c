/*
 * build_tokens.c - opening the eTokens of `ctlsign build --sign-token`.
 *
 * Order matters for the PIN: every token is found and every certificate
 * read (no login needed) and the two-token rule checked before the PIN
 * is asked, so a typo in a URI never costs a PIN attempt.
 *
 * A CTL rebuilt from the cluster's current one (`build --from OLD`) keeps
 * OLD's SAST records byte for byte, as the CTL client did when it updated
 * a CTL: re-signing needs one token that is a SAST of OLD, not all of
 * them, and the two-token rule counts the eToken SAST records of the file
 * being written, not the tokens on the command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "p11.h"
#include "tokens.h"
#include "tokens_int.h"

/* For tokens_open_for_build, whose callers take a static message. */
static const char single_warning[] =
	"this eToken CTL names a single SAST token (--allow-single-token): if that "
	"token is lost or its PIN locks, phones accept no new CTL until the CTL is "
	"deleted on every phone by hand; add a second token with --sast-token";
static const char not_sast_warning[] =
	"a token certificate is not named like a SAST eToken (CN=SAST-...); "
	"check that it is the certificate you mean to put in the CTL";

/*
 * short_name: the certificate's CN as `tokens export` names its file,
 * without ".cer": letters, digits, '.', '-' and '_' only, so a name in a
 * message is the token's label as the CTL client showed it.
 */
static const char *short_name(char *out, size_t out_len, X509 *x)
{
	size_t n;

	if (!tokens_export_name(out, out_len, x, 0) || (n = strlen(out)) < 5) {
		snprintf(out, out_len, "(no CN)");
		return out;
	}
	out[n - 4] = '\0';
	return out;
}

/* "A, B, C" (at most what fits) of the certificates' short names. */
static const char *name_list(char *out, size_t out_len, X509 *const *x,
			     size_t n)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && used < out_len; i++) {
		char name[100];
		int w = snprintf(out + used, out_len - used, "%s%s",
				 i > 0 ? ", " : "",
				 short_name(name, sizeof(name), x[i]));

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return out;
}

/* Is x the certificate of one of the n tokens? */
static int is_token_cert(X509 *x, X509 *const *tokens, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (X509_cmp(x, tokens[i]) == 0)
			return 1;
	return 0;
}

/*
 * etoken_records: the certificates of the eToken SAST records of the new
 * file, into out (room for n + o->nrecs): each token's (a token is an
 * eToken whatever its CN), then those of the other SAST records that are
 * SAST eToken certificates and no token's (a token whose record OLD has
 * keeps that one record). Returns how many.
 */
static size_t etoken_records(X509 **out, const struct tokens_build_opts *o,
			     X509 *const *tokens, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		out[k++] = tokens[i];
	for (size_t i = 0; i < o->nrecs; i++) {
		X509 *x = o->recs[i].cert;

		if (x != NULL && tokens_is_sast(x) && !is_token_cert(x, tokens, n) &&
		    !is_token_cert(x, out + n, k - n))
			out[k++] = x;
	}
	return k;
}

/* How many initialized tokens of p match u (p11_find_token wants one). */
static size_t count_matches(const struct p11 *p, const struct p11_uri *u)
{
	size_t hits = 0;

	for (size_t i = 0; i < p11_nslots(p); i++) {
		PKCS11_TOKEN *t = p11_slot(p, i)->token;

		if (t != NULL && t->initialized && p11_uri_match_token(u, t))
			hits++;
	}
	return hits;
}

/*
 * old_record_of: the record of OLD that holds the certificate of the
 * token u names, when that token is not here to read it from: the SAST
 * eToken record whose CN is u's token= label, or ends in its serial=
 * (the CTL client's tokens are CN=SAST-ADN<serial>). NULL: none.
 */
static const struct tokens_sast_rec *old_record_of(const struct tokens_build_opts *o,
						   const struct p11_uri *u)
{
	for (size_t i = 0; i < o->nrecs; i++) {
		const struct tokens_sast_rec *r = &o->recs[i];
		char name[100];
		size_t nl, sl;

		if (r->old_rec == 0 || r->cert == NULL || !tokens_is_sast(r->cert))
			continue;
		short_name(name, sizeof(name), r->cert);
		nl = strlen(name);
		if (u->token != NULL && strcasecmp(u->token, name) == 0)
			return r;
		if (u->token == NULL && u->serial != NULL &&
		    (sl = strlen(u->serial)) > 0 && sl < nl &&
		    strcasecmp(name + nl - sl, u->serial) == 0)
			return r;
	}
	return NULL;
}

/*
 * absent: the error for token i (0: the signer), which p does not have.
 * With --from, say what becomes of its record in OLD and what to do;
 * otherwise p11_find_token's message.
 */
static int absent(struct ctl_err *err, const struct tokens_build_opts *o,
		  struct p11 *p, const struct p11_uri *u, size_t i,
		  X509 *const *kept, size_t nkept)
{
	const struct tokens_sast_rec *r = o->from != NULL ? old_record_of(o, u) : NULL;
	char name[100], list[300], hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (i > 0 && r != NULL) {
		if (!X509_digest(r->cert, EVP_sha1(), md, &mdlen))
			return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		for (unsigned int k = 0; k < mdlen; k++)
			snprintf(hex + 2 * k, 3, "%02x", md[k]);
		return ctl_err_set(err, CTL_E_TOKEN,
				   "%s: no such token in %s (not plugged in?); its SAST record "
				   "(%s, record %zu of %s) is kept byte for byte without it: leave "
				   "out this --sast-token; if the token is lost, --remove sha1:%s "
				   "and add the token that replaces it with --sast-token",
				   u->text, p11_module(p), short_name(name, sizeof(name), r->cert),
				   r->old_rec, o->from, hex);
	}
	if (i == 0 && o->from != NULL) {
		/* The others: which tokens can sign instead of this one. */
		X509 **others = calloc(nkept + 1, sizeof(*others));
		size_t k = 0;

		if (others == NULL)
			return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		for (size_t j = 0; j < nkept; j++)
			if (r == NULL || X509_cmp(kept[j], r->cert) != 0)
				others[k++] = kept[j];
		name_list(list, sizeof(list), others, k);
		free(others);
		if (k > 0)
			return ctl_err_set(err, CTL_E_TOKEN,
					   "%s: no such token in %s (not plugged in?); the signing "
					   "token must be here: sign with another token that is a SAST "
					   "of %s (%s); the records of tokens not here are kept byte "
					   "for byte", u->text, p11_module(p), o->from, list);
	}
	return p11_find_token(p, err, u) != NULL;
}

/*
 * check_count: the two-token rule on the file being written, and the
 * warning (into warn) when it is broken with allow_single.
 */
static int check_count(struct ctl_err *err, const struct tokens_build_opts *o,
		       X509 *const *tokens, size_t n, char *warn, size_t warn_len)
{
	X509 **recs = calloc(n + o->nrecs, sizeof(*recs));
	char list[300];
	size_t k;
	int all_sast = 1;

	if (recs == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	k = etoken_records(recs, o, tokens, n);
	name_list(list, sizeof(list), recs, k);
	free(recs);
	for (size_t i = 0; i < n; i++)
		if (!tokens_is_sast(tokens[i]))
			all_sast = 0;
	if (k < 2 && !o->allow_single)
		return ctl_err_set(err, CTL_E_USAGE,
				   "the new CTL names %zu eToken SAST record (%s); an eToken CTL needs "
				   "at least two SAST tokens, so that losing one does not strand the "
				   "phones; add --sast-token URI for a second token (or "
				   "--allow-single-token)", k, list);
	if (k < 2)
		snprintf(warn, warn_len,
			 "the new CTL names a single SAST token, %s (--allow-single-token): if "
			 "that token is lost or its PIN locks, phones accept no new CTL until "
			 "the CTL is deleted on every phone by hand; add a second token with "
			 "--sast-token", list);
	else if (!all_sast)
		snprintf(warn, warn_len, "%s", not_sast_warning);
	return 1;
}

int tokens_open_for_ctl(struct ctl_err *err,
			const struct tokens_build_opts *opts,
			struct ctl_signer **out_signer, X509 ***out_certs,
			size_t *out_n, char *out_warning, size_t warning_len)
{
	size_t n = opts->nsast + 1, nkept = 0;
	struct p11_uri *u = calloc(n, sizeof(*u));
	PKCS11_SLOT **slots = calloc(n, sizeof(*slots));
	PKCS11_CERT **certs = calloc(n, sizeof(*certs));
	X509 **x = calloc(n, sizeof(*x));
	X509 **tok = calloc(n, sizeof(*tok));
	X509 **kept = calloc(opts->nrecs + 1, sizeof(*kept));
	struct ctl_signer *signer = NULL;
	const char *module = NULL;
	struct p11 *p = NULL;
	char label[128], printable[100];
	int ok = 0;

	*out_signer = NULL;
	*out_certs = NULL;
	*out_n = 0;
	if (warning_len > 0)
		out_warning[0] = '\0';
	if (u == NULL || slots == NULL || certs == NULL || x == NULL ||
	    tok == NULL || kept == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < opts->nrecs; i++)
		if (opts->recs[i].old_rec > 0 && opts->recs[i].cert != NULL &&
		    tokens_is_sast(opts->recs[i].cert))
			kept[nkept++] = opts->recs[i].cert;
	for (size_t i = 0; i < n; i++)
		if (!p11_uri_parse(&u[i], err, i == 0 ? opts->sign_uri
						      : opts->sast_uris[i - 1]))
			goto done;
	if (!tokens_pick_module(err, &module, opts->module, u, n) ||
	    (p = p11_open(err, module)) == NULL)
		goto done;
	for (size_t i = 0; i < n; i++) {
		if (count_matches(p, &u[i]) == 0) {
			absent(err, opts, p, &u[i], i, kept, nkept);
			goto done;
		}
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
		tok[i] = certs[i]->x509;
	}
	/* Losing one token must not strand phones: decided before the PIN. */
	if (!check_count(err, opts, tok, n, out_warning, warning_len))
		goto done;
	snprintf(label, sizeof(label), "token %s",
		 p11_printable(printable, sizeof(printable), slots[0]->token->label));
	if (opts->preview) {
		/* A layout to judge, not a signature: no login, no PIN. */
		X509 *c = X509_dup(certs[0]->x509);

		signer = c != NULL ? ctl_signer_unsigned(c, 1, label) : NULL;
		if (signer == NULL) {
			ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
			goto done;
		}
	} else {
		if (!p11_login(err, p, slots[0], &u[0], opts->final_try, opts->asker))
			goto done;
		signer = p11_signer_new(err, p, slots[0], certs[0], label);
		if (signer == NULL)
			goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (!X509_up_ref(certs[i]->x509)) {
			ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
			goto done;
		}
		x[i] = certs[i]->x509;
	}
	*out_signer = signer;
	*out_certs = x;
	*out_n = n;
	signer = NULL;
	x = NULL;
	ok = 1;
done:
	if (!ok) {
		p11_blame(p, err);
		if (warning_len > 0)
			out_warning[0] = '\0';
	}
	ctl_signer_free(signer);
	for (size_t i = 0; x != NULL && i < n; i++)
		X509_free(x[i]);
	free(x);
	free(tok);
	free(kept);
	free(certs);
	free(slots);
	/* The signer holds its own reference to the module. */
	p11_free(p);
	for (size_t i = 0; u != NULL && i < n; i++)
		p11_uri_cleanup(&u[i]);
	free(u);
	return ok;
}

int tokens_open_for_build(struct ctl_err *err,
			  const struct tokens_build_opts *opts,
			  struct ctl_signer **out_signer, X509 ***out_certs,
			  size_t *out_n, const char **out_warning)
{
	struct tokens_build_opts o = *opts;
	char warn[512];
	int ok;

	/* No other SAST records: a single token is a single record. */
	o.recs = NULL;
	o.nrecs = 0;
	o.from = NULL;
	ok = tokens_open_for_ctl(err, &o, out_signer, out_certs, out_n, warn,
				 sizeof(warn));
	*out_warning = NULL;
	if (ok && warn[0] != '\0')
		*out_warning = *out_n < 2 ? single_warning : not_sast_warning;
	return ok;
}
