/*
 * json.c - the program's one JSON writer, on jansson (json.h, docs/json.md).
 *
 * jansson rather than json-c: json_stringn refuses bytes that are not
 * UTF-8 (json-c copies them into its output, which is then not JSON),
 * and a failed step returns NULL that set_new/append_new turn into an
 * error instead of a member silently left out. Both fit "the output is
 * valid or there is none".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "text.h"

static const char *doc_command; /* set by cj_wanted; static strings only */
static int doc_failed;          /* a value could not be made */
static int doc_printed;         /* one document per process */

int cj_wanted(const char *command, int argc, char *const *argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0) {
			doc_command = command;
			return 1;
		}
	return 0;
}

void cj_set_command(const char *command)
{
	if (doc_command != NULL)
		doc_command = command;
}

static json_t *mark(json_t *v)
{
	if (v == NULL)
		doc_failed = 1;
	return v;
}

void cj_set(json_t *obj, const char *key, json_t *v)
{
	if (v == NULL || obj == NULL) {
		json_decref(v);
		doc_failed = 1;
		return;
	}
	if (json_object_set_new(obj, key, v) != 0)
		doc_failed = 1;
}

void cj_add(json_t *arr, json_t *v)
{
	if (v == NULL || arr == NULL) {
		json_decref(v);
		doc_failed = 1;
		return;
	}
	if (json_array_append_new(arr, v) != 0)
		doc_failed = 1;
}

/*
 * cj_bytes: the engine decides what is UTF-8 (ctl_utf8_seq); each byte
 * that is not becomes U+FFFD, so jansson always accepts the result.
 * NUL and the other controls stay: jansson escapes them on output.
 */
json_t *cj_bytes(const uint8_t *p, size_t n)
{
	static const char fffd[] = "\xef\xbf\xbd";
	char *buf;
	size_t o = 0, k;
	json_t *v;

	if (p == NULL)
		n = 0;
	if (n > (SIZE_MAX - 1) / 3 || (buf = malloc(3 * n + 1)) == NULL)
		return mark(NULL);
	for (size_t i = 0; i < n; i += k) {
		unsigned long c;

		k = ctl_utf8_seq(&c, p + i, n - i);
		if (k == 0) {
			memcpy(buf + o, fffd, 3);
			o += 3;
			k = 1;
		} else {
			memcpy(buf + o, p + i, k);
			o += k;
		}
	}
	v = json_stringn(buf, o);
	free(buf);
	return mark(v);
}

json_t *cj_str(const char *s)
{
	if (s == NULL)
		return mark(json_null());
	return cj_bytes((const uint8_t *)s, strlen(s));
}

json_t *cj_int(long long v)
{
	return mark(json_integer((json_int_t)v));
}

json_t *cj_bool(int v)
{
	return mark(json_boolean(v));
}

json_t *cj_obj(void)
{
	return mark(json_object());
}

json_t *cj_arr(void)
{
	return mark(json_array());
}

static const char *class_name(enum ctl_code code)
{
	switch (code) {
	case CTL_OK: return NULL;
	case CTL_E_VERIFY: return "verify";
	case CTL_E_FORMAT: return "format";
	case CTL_E_USAGE: return "usage";
	case CTL_E_IO: return "io";
	case CTL_E_TOKEN: return "token";
	case CTL_E_REMOTE: return "remote";
	case CTL_E_INTERNAL: return "internal";
	}
	return NULL;
}

static const char *kind_name(enum ctl_err_kind kind)
{
	switch (kind) {
	case CTL_K_NONE: return NULL;
	case CTL_K_HOSTKEY_UNKNOWN: return "hostkey-unknown";
	case CTL_K_HOSTKEY_CHANGED: return "hostkey-changed";
	case CTL_K_HOSTKEY_REFUSED: return "hostkey-refused";
	case CTL_K_AUTH: return "auth";
	case CTL_K_CONNECT: return "connect";
	case CTL_K_TIMEOUT: return "timeout";
	case CTL_K_PROTOCOL: return "protocol";
	case CTL_K_PROMPT: return "prompt";
	case CTL_K_REFUSED: return "refused";
	case CTL_K_MANUAL: return "manual";
	}
	return NULL;
}

json_t *cj_error_msg(enum ctl_code code, enum ctl_err_kind kind, const char *msg)
{
	json_t *e = cj_obj();

	cj_set(e, "code", code == CTL_OK ? cj_str(NULL) : cj_int(ctl_exit_code(code)));
	cj_set(e, "class", cj_str(class_name(code)));
	cj_set(e, "kind", cj_str(kind_name(kind)));
	cj_set(e, "offset", cj_str(NULL));
	cj_set(e, "message", cj_str(msg != NULL && msg[0] ? msg : "failed"));
	return e;
}

json_t *cj_error(const struct ctl_err *err)
{
	json_t *e = cj_error_msg(err->code, err->kind, err->msg);

	if (err->offset >= 0)
		cj_set(e, "offset", cj_int(err->offset));
	return e;
}

json_t *cj_doc_new(void)
{
	json_t *d = cj_obj();

	cj_set(d, "format_version", cj_int(CJ_FORMAT_VERSION));
	cj_set(d, "command", cj_str(doc_command != NULL ? doc_command : "?"));
	cj_set(d, "error", cj_str(NULL));
	return d;
}

/*
 * cj_render: jansson escapes '"', '\\' and C0 (as \n or \u001B); the
 * other code points the sanitizer never shows raw (DEL, C1, bidi
 * controls, U+2028/9) can only stand inside a string (JSON's own syntax
 * is ASCII), where \uNNNN is the same text: they are written so, as the
 * engine's policy says, and so is U+FFFD, so that a replaced byte shows.
 */
char *cj_render(const json_t *v)
{
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY;
	char *s = v != NULL ? json_dumps(v, flags) : NULL;
	char *out, *o;
	size_t n, k;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	/* An escape (6 bytes) replaces at least 1 byte (DEL): 6n is room enough. */
	if (n > (SIZE_MAX - 1) / 6 || (out = malloc(6 * n + 1)) == NULL) {
		free(s);
		return NULL;
	}
	o = out;
	for (size_t i = 0; i < n; i += k) {
		unsigned long c = 0;

		k = ctl_utf8_seq(&c, (const uint8_t *)s + i, n - i);
		if (k == 0) { /* jansson wrote UTF-8; else no output rather than bad */
			free(s);
			free(out);
			return NULL;
		} else if ((c >= 0x20 && ctl_text_unsafe_cp(c)) || c == 0xfffd) {
			o += sprintf(o, "\\u%04lX", c); /* all are below U+10000 */
		} else {
			memcpy(o, s + i, k);
			o += k;
		}
	}
	*o = '\0';
	free(s);
	return out;
}

int cj_print(json_t *doc)
{
	char *s = NULL;
	int ok;

	if (doc_printed) {
		json_decref(doc);
		return 0;
	}
	doc_printed = 1;
	if (doc != NULL && !doc_failed)
		s = cj_render(doc);
	json_decref(doc);
	ok = s != NULL && fputs(s, stdout) >= 0 && fputc('\n', stdout) != EOF &&
	     fflush(stdout) == 0 && !ferror(stdout);
	free(s);
	if (!ok) {
		fputs("ctlsign: out of memory or output error: no JSON document\n", stderr);
		return ctl_exit_code(CTL_E_INTERNAL);
	}
	return 0;
}

int cj_fail_doc(const struct ctl_err *err)
{
	json_t *d = cj_doc_new();
	int rc;

	cj_set(d, "error", cj_error(err));
	rc = cj_print(d);
	return rc != 0 ? rc : ctl_exit_code(err->code);
}

void cj_usage_hook(const char *msg)
{
	struct ctl_err err;

	if (doc_command == NULL || doc_printed)
		return;
	ctl_err_init(&err);
	ctl_err_set(&err, CTL_E_USAGE, "%s", msg);
	cj_fail_doc(&err);
}
