/*
 * uri.c - PKCS#11 URIs (RFC 7512): read with p11-kit's parser after a
 * check that names each refused attribute, written with p11-kit's
 * formatter for `tokens list`, and shown in messages without a secret.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#include "p11.h"

/*
 * p11-kit parses and formats the URIs (RFC 7512). Its library is loaded
 * the first time a URI is met, not linked: libp11-kit and the libffi it
 * brings cost a `ctlsign verify`, which never sees a URI, about 7% of its
 * process start (measured against `openssl version` as bench/run.sh
 * does). Its header gives the prototypes, so each pointer has the type of
 * the function it holds.
 */
#ifndef CTLSIGN_P11KIT_LIB
#define CTLSIGN_P11KIT_LIB "libp11-kit.so.0"
#endif

static struct {
	void *dl;
	__typeof__(&p11_kit_uri_new) uri_new;
	__typeof__(&p11_kit_uri_free) uri_free;
	__typeof__(&p11_kit_uri_parse) parse;
	__typeof__(&p11_kit_uri_format) format;
	__typeof__(&p11_kit_uri_get_token_info) token_info;
	__typeof__(&p11_kit_uri_get_attribute) get_attr;
	__typeof__(&p11_kit_uri_set_attribute) set_attr;
	__typeof__(&p11_kit_uri_get_pin_value) pin_value;
	__typeof__(&p11_kit_uri_get_pin_source) pin_source;
	__typeof__(&p11_kit_uri_get_module_path) module_path;
	__typeof__(&p11_kit_uri_any_unrecognized) unrecognized;
} kit;

/*
 * Loads libp11-kit once; it stays loaded, as a linked library would. URIs
 * are read by the command, never from two threads at once.
 */
static int kit_load(struct ctl_err *err)
{
	static const char lib[] = CTLSIGN_P11KIT_LIB;
	const struct {
		const char *name;
		void **slot;
	} syms[] = {
		{ "p11_kit_uri_new", (void **)&kit.uri_new },
		{ "p11_kit_uri_free", (void **)&kit.uri_free },
		{ "p11_kit_uri_parse", (void **)&kit.parse },
		{ "p11_kit_uri_format", (void **)&kit.format },
		{ "p11_kit_uri_get_token_info", (void **)&kit.token_info },
		{ "p11_kit_uri_get_attribute", (void **)&kit.get_attr },
		{ "p11_kit_uri_set_attribute", (void **)&kit.set_attr },
		{ "p11_kit_uri_get_pin_value", (void **)&kit.pin_value },
		{ "p11_kit_uri_get_pin_source", (void **)&kit.pin_source },
		{ "p11_kit_uri_get_module_path", (void **)&kit.module_path },
		{ "p11_kit_uri_any_unrecognized", (void **)&kit.unrecognized },
	};
	const char *why;
	void *dl;

	if (kit.dl != NULL)
		return 1;
	if ((dl = dlopen(lib, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		return ctl_err_set(err, CTL_E_TOKEN,
				   "cannot load %s, which reads PKCS#11 URIs: %s (install p11-kit)",
				   lib, why != NULL ? why : "dlopen failed");
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		if ((*syms[i].slot = dlsym(dl, syms[i].name)) == NULL) {
			memset(&kit, 0, sizeof(kit));
			dlclose(dl);
			return ctl_err_set(err, CTL_E_TOKEN,
					   "%s has no %s (a newer p11-kit is needed)",
					   lib, syms[i].name);
		}
	kit.dl = dl;
	return 1;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * The attributes ctlsign accepts, with the longest value each may have
 * once decoded: p11-kit flags a longer token or slot field as
 * "unrecognized" without saying which, and ctlsign's id= holds 64 bytes.
 * Those marked ignored narrow the search in other tools; ctlsign needs
 * none of them (a token is told apart by its serial). Any other
 * attribute is refused: p11-kit would flag an unknown one in the path
 * without naming it, and keep an unknown one in the query (a "vendor"
 * attribute) where a mistyped ?pin=1234 would pass unnoticed.
 */
static const struct uri_attr {
	const char *name;
	int query;          /* 1: after '?' */
	size_t max;         /* decoded bytes */
	int any_byte;       /* NUL allowed (id=) */
} uri_attrs[] = {
	{ "token", 0, 32, 0 },
	{ "manufacturer", 0, 32, 0 },
	{ "serial", 0, 16, 0 },
	{ "model", 0, 16, 0 },
	{ "object", 0, 1023, 0 },
	{ "id", 0, sizeof(((struct p11_uri *)0)->id), 1 },
	{ "type", 0, 16, 0 },
	{ "library-manufacturer", 0, 32, 0 },   /* ignored */
	{ "library-description", 0, 32, 0 },    /* ignored */
	{ "library-version", 0, 16, 0 },        /* ignored */
	{ "slot-manufacturer", 0, 32, 0 },      /* ignored */
	{ "slot-description", 0, 64, 0 },       /* ignored */
	{ "slot-id", 0, 32, 0 },                /* ignored */
	{ "pin-source", 1, 1023, 0 },
	{ "module-path", 1, 1023, 0 },
	{ "module-name", 1, 1023, 0 },          /* ignored */
};
#define N_URI_ATTRS (sizeof(uri_attrs) / sizeof(uri_attrs[0]))
_Static_assert(N_URI_ATTRS <= 32, "lint_uri's seen has a bit per attribute");

static int same_span(const char *s, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(s, want, n) == 0;
}

/*
 * Checks one name=value of s (len bytes; query: after the '?') against
 * uri_attrs and appends it to out as p11-kit is to read it. Whitespace
 * in the value is the label's own (a token named "SAST 1" typed as it
 * is): p11-kit drops every blank of a URI, so it is passed encoded.
 */
static int lint_attr(struct ctl_err *err, char *out, size_t *k,
		     unsigned *seen, const char *s, size_t len, int query)
{
	const char *eq = memchr(s, '=', len);
	size_t name = eq != NULL ? (size_t)(eq - s) : 0, vlen, n = 0;
	const struct uri_attr *a = NULL;
	size_t i;

	/* Any segment may be a mistyped secret: not echoed. */
	if (eq == NULL || name == 0)
		return ctl_err_set(err, CTL_E_USAGE,
				   "a %s attribute is not name=value",
				   query ? "query" : "path");
	vlen = len - name - 1;
	for (i = 0; i < N_URI_ATTRS && a == NULL; i++)
		if (uri_attrs[i].query == query &&
		    strlen(uri_attrs[i].name) == name &&
		    memcmp(uri_attrs[i].name, s, name) == 0)
			a = &uri_attrs[i];
	if (a == NULL)
		return ctl_err_set(err, CTL_E_USAGE, "unknown %sattribute '%.*s'",
				   query ? "query " : "", (int)name, s);
	i = (size_t)(a - uri_attrs);
	/* p11-kit keeps the last of two: one value is meant, say so. */
	if (*seen & 1u << i)
		return ctl_err_set(err, CTL_E_USAGE, "%s= given twice", a->name);
	*seen |= 1u << i;
	/* RFC 7512: a query value holds neither ';' nor '?' unencoded. */
	if (query && strcspn(eq + 1, ";?") < vlen)
		return ctl_err_set(err, CTL_E_USAGE,
				   "query attribute '%s' holds ';' or '?': percent-encode them (%%3B, %%3F)",
				   a->name);
	memcpy(out + *k, s, name + 1);
	*k += name + 1;
	for (const char *v = eq + 1; v < s + len; v++, n++) {
		if (*v == '%') {
			if (s + len - v < 3 || hexval((unsigned char)v[1]) < 0 ||
			    hexval((unsigned char)v[2]) < 0)
				return ctl_err_set(err, CTL_E_USAGE,
						   "%s=: bad percent escape", a->name);
			if (v[1] == '0' && v[2] == '0' && !a->any_byte)
				return ctl_err_set(err, CTL_E_USAGE,
						   "%s=: contains a NUL", a->name);
			memcpy(out + *k, v, 3);
			*k += 3;
			v += 2;
		} else if (strchr(" \f\n\r\t\v", *v) != NULL) {
			*k += (size_t)sprintf(out + *k, "%%%02X", (unsigned char)*v);
		} else {
			out[(*k)++] = *v;
		}
	}
	if (n > a->max)
		return ctl_err_set(err, CTL_E_USAGE, "%s=: too long (at most %zu bytes)",
				   a->name, a->max);
	/* As p11-kit compares it: undecoded. */
	if (strcmp(a->name, "type") == 0 && !same_span(eq + 1, vlen, "cert") &&
	    !same_span(eq + 1, vlen, "private") &&
	    !same_span(eq + 1, vlen, "public"))
		return ctl_err_set(err, CTL_E_USAGE,
				   "type=%.*s: ctlsign uses a certificate and its key pair (type=cert, private or public)",
				   (int)vlen, eq + 1);
	return 1;
}

/*
 * s (after "pkcs11:") checked attribute by attribute and rewritten for
 * p11-kit in a malloc'd string, or NULL with err set. An empty attribute
 * (";;", a ';' or '&' at an end) is dropped, as ctlsign always did:
 * p11-kit would read what follows an empty path attribute as the query
 * (pkcs11:;token=X would name no token).
 */
static char *lint_uri(struct ctl_err *err, const char *s)
{
	size_t k = 0, len;
	unsigned seen = 0;
	int query = 0, first = 1;
	char *out = malloc(3 * strlen(s) + 16);

	if (out == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		return NULL;
	}
	memcpy(out, "pkcs11:", 7);
	k = 7;
	for (;;) {
		len = strcspn(s, query ? "&" : ";?");
		if (len > 0) {
			if (!first)
				out[k++] = query ? '&' : ';';
			if (!lint_attr(err, out, &k, &seen, s, len, query)) {
				free(out);
				return NULL;
			}
			first = 0;
		}
		if (s[len] == '\0')
			break;
		if (s[len] == '?') {
			out[k++] = '?';
			query = first = 1;
		}
		s += len + 1;
	}
	out[k] = '\0';
	return out;
}

/* A blank-padded token field of p11-kit's, if the URI gave it. */
static int take_field(struct ctl_err *err, char **dst, const CK_UTF8CHAR *f,
		      size_t n)
{
	/* p11-kit zeroes a field not given and pads a given one with blanks. */
	if (f[0] == '\0')
		return 1;
	while (n > 0 && f[n - 1] == ' ')
		n--;
	if ((*dst = strndup((const char *)f, n)) == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	return 1;
}

static int take_str(struct ctl_err *err, char **dst, const char *s)
{
	if (s != NULL && (*dst = strdup(s)) == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	return 1;
}

/* What ctlsign uses of the URI p11-kit parsed. */
static int take_uri(struct p11_uri *out, struct ctl_err *err, P11KitUri *k)
{
	CK_TOKEN_INFO *ti = kit.token_info(k);
	CK_ATTRIBUTE *label = kit.get_attr(k, CKA_LABEL);
	CK_ATTRIBUTE *id = kit.get_attr(k, CKA_ID);

	if (!take_field(err, &out->token, ti->label, sizeof(ti->label)) ||
	    !take_field(err, &out->serial, ti->serialNumber,
			sizeof(ti->serialNumber)) ||
	    !take_field(err, &out->manufacturer, ti->manufacturerID,
			sizeof(ti->manufacturerID)) ||
	    !take_field(err, &out->model, ti->model, sizeof(ti->model)))
		return 0;
	if (label != NULL &&
	    (out->object = strndup(label->pValue != NULL ? label->pValue : "",
				   label->ulValueLen)) == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	if (id != NULL) {
		/* lint_attr kept it within out->id. */
		if (id->ulValueLen > sizeof(out->id))
			return ctl_err_set(err, CTL_E_USAGE, "id=: too long");
		out->has_id = 1;
		out->id_len = id->ulValueLen;
		if (out->id_len > 0)
			memcpy(out->id, id->pValue, out->id_len);
	}
	return take_str(err, &out->module_path, kit.module_path(k)) &&
	       take_str(err, &out->pin_source, kit.pin_source(k));
}

/*
 * RFC 7512 allows a file: URI as pin-source=; only local files are
 * meant. file://HOST/path names HOST's file: "localhost" is ours, any
 * other host is refused rather than read as the relative path
 * "HOST/path".
 */
static int local_pin_source(struct ctl_err *err, char *p)
{
	if (p == NULL)
		return 1;
	if (strncmp(p, "file://localhost/", 17) == 0)
		memmove(p, p + 16, strlen(p + 16) + 1);
	else if (strncmp(p, "file://", 7) == 0 && p[7] != '/')
		return ctl_err_set(err, CTL_E_USAGE,
				   "pin-source=: only local files (file:///path)");
	else if (strncmp(p, "file://", 7) == 0)
		memmove(p, p + 7, strlen(p + 7) + 1);
	else if (strncmp(p, "file:", 5) == 0)
		memmove(p, p + 5, strlen(p + 5) + 1);
	return 1;
}

/* Whether an attribute's value may be shown in messages. */
static int shown_attr(const char *s, size_t n, int query)
{
	static const char *const path[] = {
		"token", "serial", "manufacturer", "model", "object", "id",
		"type", "library-manufacturer", "library-description",
		"library-version", "slot-manufacturer", "slot-description",
		"slot-id",
	};
	static const char *const q[] = { "pin-source", "module-path",
					 "module-name" };
	const char *const *list = query ? q : path;
	size_t count = query ? sizeof(q) / sizeof(q[0]) :
			       sizeof(path) / sizeof(path[0]);

	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return 1;
	return 0;
}

/*
 * The URI for messages, in the path as in the query: the value of every
 * attribute but those of shown_attr is replaced by "***", and so is a
 * segment that is not name=value (unless it is a known name alone): a
 * refused pin-value=1234, a mistyped pin=1234 or a PIN pasted as a
 * segment of its own must not reach a log through the message that
 * refuses it. A string that is not a URI and holds no '=', ';' or '?'
 * (a label or a path given where a URI was meant) is shown as it is.
 */
static char *redacted_copy(const char *s)
{
	size_t cap = 2 * strlen(s) + 8, k = 0;
	char *out = malloc(cap);
	int query = 0;

	if (out == NULL)
		return NULL;
	if (strncasecmp(s, "pkcs11:", 7) == 0) {
		memcpy(out, s, 7);
		k = 7;
		s += 7;
	} else if (strpbrk(s, "=;?") == NULL) {
		memcpy(out, s, strlen(s) + 1);
		return out;
	}
	for (;;) {
		size_t len = strcspn(s, query ? "&" : ";?");
		const char *eq = memchr(s, '=', len);
		size_t name = eq != NULL ? (size_t)(eq - s) : len;
		size_t keep = shown_attr(s, name, query) ? len :
			      eq != NULL ? name + 1 : 0;

		/*
		 * A shown query value ends at a ';' or '?' it should not hold:
		 * what follows may be a pasted secret (?pin-source=/x;pin=1).
		 */
		if (query && keep == len && eq != NULL)
			keep = (size_t)(eq + 1 - s) + strcspn(eq + 1, ";?&");

		/* A segment grows by 2 bytes at most: cap holds them all. */
		memcpy(out + k, s, keep);
		k += keep;
		if (keep < len) {
			memcpy(out + k, "***", 3);
			k += 3;
		}
		if (s[len] == '\0')
			break;
		if (s[len] == '?')
			query = 1;
		out[k++] = s[len];
		s += len + 1;
	}
	out[k] = '\0';
	return out;
}

/*
 * names_pin_value: does s hold "pin-value=" anywhere, in any case and
 * through any percent-encoding (%70in-value=, pin%2Dvalue=), even inside
 * another attribute's value (?pin-source=/x;pin-value=1234)? Such a URI
 * is refused before it is parsed, so that no message can echo the PIN
 * that follows. A name without '=' (pin-source=/run/secrets/pin-value)
 * carries no PIN and passes.
 */
static int names_pin_value(const char *s)
{
	static const char want[] = "pin-value=";
	size_t k = 0;

	while (*s != '\0') {
		int c = (unsigned char)*s++;
		int hi = c == '%' ? hexval(s[0]) : -1;
		int lo = hi >= 0 ? hexval(s[1]) : -1;

		if (lo >= 0) {
			c = hi << 4 | lo;
			s += 2;
		}
		c = tolower(c);
		k = c == want[k] ? k + 1 : c == want[0] ? 1 : 0;
		if (k == sizeof(want) - 1)
			return 1;
	}
	return 0;
}

int p11_uri_parse(struct p11_uri *out, struct ctl_err *err, const char *s)
{
	P11KitUri *k = NULL;
	char *norm = NULL;
	int rc, ok = 0;

	memset(out, 0, sizeof(*out));
	if (names_pin_value(s))
		return ctl_err_set(err, CTL_E_USAGE,
				   "the PKCS#11 URI holds pin-value, which puts the PIN on the command line, where every user can read it; use pin-source=FILE or CTLSIGN_PIN");
	out->text = redacted_copy(s);
	if (out->text == NULL)
		return ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	if (strncasecmp(s, "pkcs11:", 7) != 0) {
		ctl_err_set(err, CTL_E_USAGE,
			    "'%s' is not a PKCS#11 URI (pkcs11:token=LABEL)",
			    out->text);
		p11_uri_cleanup(out);
		return 0;
	}
	if ((norm = lint_uri(err, s + 7)) == NULL || !kit_load(err))
		goto done;
	if ((k = kit.uri_new()) == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		goto done;
	}
	rc = kit.parse(norm, P11_KIT_URI_FOR_ANY, k);
	/* Whatever lint_uri lets through that p11-kit still refuses. */
	if (rc == P11_KIT_URI_BAD_VERSION)
		ctl_err_set(err, CTL_E_USAGE,
			    "library-version=: not a version (2.20)");
	else if (rc == P11_KIT_URI_BAD_SYNTAX)
		ctl_err_set(err, CTL_E_USAGE, "slot-id=: not a number");
	else if (rc != P11_KIT_URI_OK)
		ctl_err_set(err, CTL_E_USAGE,
			    "p11-kit cannot parse it (p11-kit error %d)", rc);
	else if (kit.pin_value(k) != NULL) /* names_pin_value saw it first */
		ctl_err_set(err, CTL_E_USAGE, "pin-value= is refused");
	else if (kit.unrecognized(k))
		ctl_err_set(err, CTL_E_USAGE,
			    "p11-kit does not recognize an attribute");
	else if (take_uri(out, err, k) &&
		 local_pin_source(err, out->pin_source))
		ok = 1;
done:
	if (k != NULL)
		kit.uri_free(k);
	free(norm);
	if (!ok) {
		ctl_err_prefix(err, "%s", out->text);
		p11_uri_cleanup(out);
	}
	return ok;
}

void p11_uri_cleanup(struct p11_uri *u)
{
	free(u->token);
	free(u->serial);
	free(u->manufacturer);
	free(u->model);
	free(u->object);
	free(u->module_path);
	free(u->pin_source);
	free(u->text);
	memset(u, 0, sizeof(*u));
}

/* s (NULL: "") into a blank-padded token field, as p11-kit reads one. */
static void put_field(CK_UTF8CHAR *f, size_t n, const char *s)
{
	size_t len = s != NULL ? strlen(s) : 0;

	memset(f, ' ', n);
	memcpy(f, s != NULL ? s : "", len < n ? len : n);
}

/* The URI of token t and, if c is not NULL, of its certificate c. */
static char *format_uri(struct ctl_err *err, const PKCS11_TOKEN *t,
			const PKCS11_CERT *c)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_ATTRIBUTE type = { CKA_CLASS, &cls, sizeof(cls) };
	CK_ATTRIBUTE id = { CKA_ID, NULL, 0 }, label = { CKA_LABEL, NULL, 0 };
	CK_TOKEN_INFO *ti;
	P11KitUri *k;
	char *s = NULL;

	if (!kit_load(err))
		return NULL;
	if ((k = kit.uri_new()) == NULL) {
		ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
		return NULL;
	}
	ti = kit.token_info(k);
	put_field(ti->model, sizeof(ti->model), t->model);
	put_field(ti->manufacturerID, sizeof(ti->manufacturerID), t->manufacturer);
	put_field(ti->serialNumber, sizeof(ti->serialNumber), t->serialnr);
	put_field(ti->label, sizeof(ti->label), t->label);
	if (c != NULL) {
		/* An object without CKA_ID or label is named without it. */
		id.pValue = c->id;
		id.ulValueLen = c->id_len;
		label.pValue = c->label;
		label.ulValueLen = c->label != NULL ? strlen(c->label) : 0;
		if ((c->id_len > 0 && kit.set_attr(k, &id) != P11_KIT_URI_OK) ||
		    (c->label != NULL && kit.set_attr(k, &label) != P11_KIT_URI_OK) ||
		    kit.set_attr(k, &type) != P11_KIT_URI_OK)
			goto oom;
	}
	if (kit.format(k, c != NULL ? P11_KIT_URI_FOR_OBJECT_ON_TOKEN :
			  P11_KIT_URI_FOR_TOKEN, &s) != P11_KIT_URI_OK)
		goto oom;
	kit.uri_free(k);
	return s;
oom:
	kit.uri_free(k);
	ctl_err_set(err, CTL_E_INTERNAL, "out of memory");
	return NULL;
}

char *p11_token_uri(struct ctl_err *err, const PKCS11_TOKEN *t)
{
	return format_uri(err, t, NULL);
}

char *p11_cert_uri(struct ctl_err *err, const PKCS11_TOKEN *t,
		   const PKCS11_CERT *c)
{
	return format_uri(err, t, c);
}
