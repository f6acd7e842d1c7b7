/*
 * tokens.c - what is specific to SAST eTokens: recognising their
 * certificates, naming exports the way the SafeNet client did, and
 * reading every token of a module for `tokens list` / `tokens export`.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "p11.h"
#include "tokens.h"
#include "tokens_int.h"
#include "util.h"

/* The subject CN as UTF-8 without surrounding blanks and quotes. */
static int subject_cn(char *out, size_t out_len, X509 *cert)
{
	X509_NAME *name = X509_get_subject_name(cert);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *utf8 = NULL;
	const char *s;
	int n;

	if (i < 0)
		return 0;
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(
					       X509_NAME_get_entry(name, i)));
	if (n < 0)
		return 0;
	/* The CTL client's tokens say cn="SAST-ADN008580ef ". */
	s = (const char *)utf8;
	while (n > 0 && (*s == ' ' || *s == '"'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '"'))
		n--;
	if (n <= 0 || (size_t)n >= out_len) {
		OPENSSL_free(utf8);
		return 0;
	}
	memcpy(out, s, (size_t)n);
	out[n] = '\0';
	OPENSSL_free(utf8);
	return 1;
}

int tokens_is_sast(X509 *cert)
{
	char cn[256];

	return subject_cn(cn, sizeof(cn), cert) &&
	       strncasecmp(cn, "SAST-", 5) == 0;
}

int tokens_export_name(char *out, size_t out_len, X509 *cert, int pem)
{
	char cn[200];

	if (!subject_cn(cn, sizeof(cn), cert))
		return 0;
	/* A CN is not a safe file name: no '/', no "..", nothing odd. */
	for (char *p = cn; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' &&
		    (*p != '.' || p == cn))
			*p = '_';
	return snprintf(out, out_len, "%s.%s", cn, pem ? "pem" : "cer") <
	       (int)out_len;
}

/* Module: --module, else the URIs' module-path= (all the same), else default. */
int tokens_pick_module(struct ctl_err *err, const char **out,
		       const char *module, const struct p11_uri *uris,
		       size_t n)
{
	const char *from_uri = NULL;

	for (size_t i = 0; i < n; i++) {
		if (uris[i].module_path == NULL)
			continue;
		if (from_uri != NULL && strcmp(from_uri, uris[i].module_path) != 0)
			return ctl_err_set(err, CTL_E_USAGE,
					   "the URIs name different modules (%s, %s); one module per run",
					   from_uri, uris[i].module_path);
		from_uri = uris[i].module_path;
	}
	if (module != NULL && from_uri != NULL && strcmp(module, from_uri) != 0)
		return ctl_err_set(err, CTL_E_USAGE,
				   "--module %s and module-path=%s disagree",
				   module, from_uri);
	*out = module != NULL ? module : from_uri;
	return 1;
}

/* A field from the module, made printable: it goes to terminals and logs. */
static void copy_field(char *dst, size_t n, const char *src)
{
	size_t len;

	p11_printable(dst, n, src);
	len = strlen(dst);
	while (len > 0 && dst[len - 1] == ' ')
		dst[--len] = '\0';
}

static int object_matches(const struct p11_uri *u, const PKCS11_CERT *c)
{
	if (u->object != NULL &&
	    (c->label == NULL || strcmp(u->object, c->label) != 0))
		return 0;
	/* c->id is NULL when the object has no CKA_ID: no memcmp then. */
	return !u->has_id || (c->id_len == u->id_len &&
			      (u->id_len == 0 || memcmp(c->id, u->id, u->id_len) == 0));
}

static int read_token(struct ctl_err *err, struct tokens_token *tt,
		      PKCS11_SLOT *slot, const struct p11_uri *u)
{
	PKCS11_TOKEN *t = slot->token;
	PKCS11_CERT *certs = NULL;
	unsigned int n = 0;

	tt->slot_id = p11_slot_id(slot);
	copy_field(tt->label, sizeof(tt->label), t->label);
	copy_field(tt->serial, sizeof(tt->serial), t->serialnr);
	copy_field(tt->manufacturer, sizeof(tt->manufacturer), t->manufacturer);
	copy_field(tt->model, sizeof(tt->model), t->model);
	tt->login_required = t->loginRequired;
	tt->pin_pad = t->secureLogin;
	tt->pin_count_low = t->userPinCountLow;
	tt->pin_final_try = t->userPinFinalTry;
	tt->pin_locked = t->userPinLocked;
	if ((tt->uri = p11_token_uri(err, t)) == NULL)
		return 0;
	if (PKCS11_enumerate_certs(t, &certs, &n) != 0)
		return ctl_err_openssl(err, CTL_E_TOKEN,
				       "token %s: cannot list its certificates",
				       tt->label);
	tt->certs = calloc(n + 1, sizeof(*tt->certs));
	if (tt->certs == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	for (unsigned int i = 0; i < n; i++) {
		struct tokens_cert *c = &tt->certs[tt->ncerts];

		if (certs[i].x509 == NULL || (u != NULL && !object_matches(u, &certs[i])))
			continue;
		if ((c->uri = p11_cert_uri(err, t, &certs[i])) == NULL)
			return 0;
		if (!X509_up_ref(certs[i].x509)) {
			free(c->uri);
			c->uri = NULL;
			return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		}
		c->x509 = certs[i].x509;
		copy_field(c->label, sizeof(c->label), certs[i].label);
		ctl_hex(c->id, certs[i].id,
			certs[i].id_len < 64 ? certs[i].id_len : 64, 0, 0);
		c->sast = tokens_is_sast(c->x509);
		tt->ncerts++;
	}
	return 1;
}

int tokens_scan(struct ctl_err *err, struct tokens_list *out,
		const char *module, const char *const *uris, size_t nuris)
{
	struct p11_uri *u = calloc(nuris + 1, sizeof(*u));
	struct p11 *p = NULL;
	size_t *hits = calloc(nuris + 1, sizeof(*hits));
	int ok = 0;

	memset(out, 0, sizeof(*out));
	if (u == NULL || hits == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nuris; i++)
		if (!p11_uri_parse(&u[i], err, uris[i]))
			goto done;
	if (!tokens_pick_module(err, &module, module, u, nuris) ||
	    (p = p11_open(err, module)) == NULL)
		goto done;
	snprintf(out->module, sizeof(out->module), "%s", p11_module(p));
	out->tokens = calloc(p11_nslots(p) + 1, sizeof(*out->tokens));
	if (out->tokens == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto done;
	}
	for (size_t s = 0; s < p11_nslots(p); s++) {
		PKCS11_SLOT *slot = p11_slot(p, s);
		const struct p11_uri *match = NULL;

		if (slot->token == NULL || !slot->token->initialized)
			continue;
		for (size_t i = 0; i < nuris && match == NULL; i++)
			if (p11_uri_match_token(&u[i], slot->token)) {
				match = &u[i];
				hits[i]++;
			}
		if (nuris > 0 && match == NULL)
			continue;
		if (!read_token(err, &out->tokens[out->n++], slot, match))
			goto done;
	}
	for (size_t i = 0; i < nuris; i++)
		if (hits[i] == 0) {
			ctl_err_set(err, CTL_E_TOKEN,
				    "%s: no such token in %s (is it plugged in?)",
				    u[i].text, p11_module(p));
			goto done;
		}
	ok = 1;
done:
	if (!ok) {
		p11_blame(p, err);
		tokens_list_cleanup(out);
	}
	p11_free(p);
	for (size_t i = 0; u != NULL && i < nuris; i++)
		p11_uri_cleanup(&u[i]);
	free(u);
	free(hits);
	return ok;
}

void tokens_list_cleanup(struct tokens_list *l)
{
	for (size_t i = 0; l->tokens != NULL && i < l->n; i++) {
		for (size_t k = 0; k < l->tokens[i].ncerts; k++) {
			X509_free(l->tokens[i].certs[k].x509);
			free(l->tokens[i].certs[k].uri);
		}
		free(l->tokens[i].certs);
		free(l->tokens[i].uri);
	}
	free(l->tokens);
	memset(l, 0, sizeof(*l));
}

/* DER or PEM of cert in a malloc'd buffer. */
static int encode(struct ctl_err *err, uint8_t **out, size_t *out_len,
		  X509 *cert, int pem)
{
	BIO *bio = NULL;
	char *p;
	long n;
	int len;

	*out = NULL;
	if (!pem) {
		len = i2d_X509(cert, out);
		if (len <= 0)
			return ctl_err_openssl(err, CTL_E_INTERNAL, "cannot encode a certificate");
		*out_len = (size_t)len;
		return 1;
	}
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || PEM_write_bio_X509(bio, cert) != 1 ||
	    (n = BIO_get_mem_data(bio, &p)) <= 0 ||
	    (*out = OPENSSL_malloc((size_t)n)) == NULL) {
		BIO_free(bio);
		return ctl_err_openssl(err, CTL_E_INTERNAL, "cannot encode a certificate");
	}
	memcpy(*out, p, (size_t)n);
	*out_len = (size_t)n;
	BIO_free(bio);
	return 1;
}

int tokens_export(struct ctl_err *err, const struct tokens_list *l,
		  const char *dir, int pem,
		  void (*report)(const char *path, const struct tokens_cert *c,
				 void *arg),
		  void *arg)
{
	struct tokens_cert **todo = NULL;
	struct ctl_out_file *files = NULL;
	char (*names)[256] = NULL, (*paths)[4096] = NULL;
	size_t n = 0, total = 0;
	int ok = 0;

	for (size_t i = 0; i < l->n; i++)
		total += l->tokens[i].ncerts;
	todo = calloc(total + 1, sizeof(*todo));
	names = calloc(total + 1, sizeof(*names));
	if (todo == NULL || names == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto done;
	}
	/* Every name first: a clash or a bad name writes nothing. */
	for (size_t i = 0; i < l->n; i++) {
		for (size_t k = 0; k < l->tokens[i].ncerts; k++) {
			struct tokens_cert *c = &l->tokens[i].certs[k];

			if (!c->sast)
				continue;
			if (!tokens_export_name(names[n], sizeof(names[n]), c->x509, pem)) {
				ctl_err_set(err, CTL_E_TOKEN,
					    "token %s: certificate '%s' has no usable CN for a file name",
					    l->tokens[i].label, c->label);
				goto done;
			}
			/*
			 * Case-blind: the files often go to a USB stick (FAT)
			 * for the upload from a browser, where SAST-ADN00AA.cer
			 * and sast-adn00aa.cer are one file.
			 */
			for (size_t j = 0; j < n; j++)
				if (strcasecmp(names[j], names[n]) == 0) {
					ctl_err_set(err, CTL_E_TOKEN,
						    "two certificates would both be written to %s (token %s); export the tokens one at a time",
						    names[n], l->tokens[i].label);
					goto done;
				}
			todo[n++] = c;
		}
	}
	if (n == 0) {
		ctl_err_set(err, CTL_E_TOKEN,
			    "no SAST certificate (CN=SAST-...) on the %s token(s) in %s",
			    l->n == 0 ? "no" : "chosen", l->module);
		goto done;
	}
	/* All or nothing: one set, every file or none replaced. */
	files = calloc(n, sizeof(*files));
	paths = calloc(n, sizeof(*paths));
	if (files == NULL || paths == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t *data = NULL;
		size_t len = 0;

		if (snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, names[i]) >=
		    (int)sizeof(paths[i])) {
			ctl_err_set(err, CTL_E_USAGE, "%s: path too long", dir);
			goto done;
		}
		if (!encode(err, &data, &len, todo[i]->x509, pem))
			goto done;
		files[i] = (struct ctl_out_file){ paths[i], data, len, 0644 };
	}
	if (!ctl_write_atomic_set(err, files, n))
		goto done;
	for (size_t i = 0; report != NULL && i < n; i++)
		report(paths[i], todo[i], arg);
	ok = 1;
done:
	for (size_t i = 0; files != NULL && i < n; i++)
		OPENSSL_free((void *)files[i].data);
	free(files);
	free(paths);
	free(todo);
	free(names);
	return ok;
}

/* tokens_private_key: see tokens.h. */
EVP_PKEY *tokens_private_key(struct ctl_err *err, const char *uri,
			     const char *module, const struct ctl_asker *asker,
			     struct p11 **out_p)
{
	struct p11_uri u;
	struct p11 *p = NULL;
	PKCS11_SLOT *slot;
	PKCS11_KEY *keys = NULL, *pick = NULL;
	unsigned int n = 0;
	EVP_PKEY *k = NULL;
	int several = 0;

	*out_p = NULL;
	if (!p11_uri_parse(&u, err, uri))
		return NULL;
	if (!tokens_pick_module(err, &module, module, &u, 1) ||
	    (p = p11_open(err, module)) == NULL ||
	    (slot = p11_find_token(p, err, &u)) == NULL ||
	    !p11_login(err, p, slot, &u, 0, asker))
		goto out;
	if (PKCS11_enumerate_keys(slot->token, &keys, &n) != 0) {
		ctl_err_openssl(err, CTL_E_TOKEN, "%s: cannot list the token's keys", u.text);
		goto out;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (!keys[i].isPrivate ||
		    (u.object != NULL &&
		     (keys[i].label == NULL || strcmp(keys[i].label, u.object) != 0)) ||
		    (u.has_id && (keys[i].id_len != u.id_len ||
				  memcmp(keys[i].id, u.id, u.id_len) != 0)))
			continue;
		several = pick != NULL;
		pick = &keys[i];
	}
	if (pick == NULL || several) {
		ctl_err_set(err, CTL_E_TOKEN, pick == NULL
			    ? "%s: no private key on the token matches"
			    : "%s: several private keys match; name one with object= or id=",
			    u.text);
		goto out;
	}
	if (PKCS11_get_key_type(pick) != EVP_PKEY_RSA) {
		ctl_err_set(err, CTL_E_TOKEN, "%s: the key is not RSA", u.text);
		goto out;
	}
	k = PKCS11_get_private_key(pick);
	if (k == NULL)
		ctl_err_openssl(err, CTL_E_TOKEN, "%s: cannot use the private key", u.text);
out:
	if (k == NULL) {
		if (p != NULL)
			p11_blame(p, err);
		p11_free(p);
		p = NULL;
	}
	*out_p = p;
	p11_uri_cleanup(&u);
	return k;
}
