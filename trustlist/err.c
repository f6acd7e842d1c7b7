/* err.c - recording errors; the first one recorded wins. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "err.h"

void ctl_err_init(struct ctl_err *err)
{
	err->code = CTL_OK;
	err->kind = CTL_K_NONE;
	err->offset = -1;
	err->msg[0] = '\0';
}

static void ctl_err_vset(struct ctl_err *err, enum ctl_code code,
			 const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void ctl_err_vset(struct ctl_err *err, enum ctl_code code,
			 const char *fmt, va_list ap)
{
	if (err == NULL || err->code != CTL_OK)
		return;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int ctl_err_set(struct ctl_err *err, enum ctl_code code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_err_vset(err, code, fmt, ap);
	va_end(ap);
	return 0;
}

int ctl_err_setk(struct ctl_err *err, enum ctl_code code, enum ctl_err_kind kind,
		 const char *fmt, ...)
{
	va_list ap;
	int first = err != NULL && err->code == CTL_OK;

	va_start(ap, fmt);
	ctl_err_vset(err, code, fmt, ap);
	va_end(ap);
	if (first)
		err->kind = kind;
	return 0;
}

int ctl_err_set_at(struct ctl_err *err, enum ctl_code code, size_t off,
		   const char *fmt, ...)
{
	va_list ap;
	int first = err != NULL && err->code == CTL_OK;

	va_start(ap, fmt);
	ctl_err_vset(err, code, fmt, ap);
	va_end(ap);
	if (first)
		err->offset = (long long)off;
	return 0;
}

void ctl_err_prefix(struct ctl_err *err, const char *fmt, ...)
{
	char prefix[256], old[sizeof(err->msg)];
	va_list ap;

	if (err == NULL || err->code == CTL_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is acceptable here: keep as much of both as fits. */
	size_t p = strlen(prefix), o = strlen(old), cap = sizeof(err->msg) - 1;
	if (p > cap)
		p = cap;
	memcpy(err->msg, prefix, p);
	if (p + 2 <= cap) {
		memcpy(err->msg + p, ": ", 2);
		p += 2;
	}
	if (o > cap - p)
		o = cap - p;
	memcpy(err->msg + p, old, o);
	err->msg[p + o] = '\0';
}

int ctl_err_openssl(struct ctl_err *err, enum ctl_code code, const char *fmt, ...)
{
	char what[256];
	unsigned long e = ERR_peek_last_error();
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ERR_clear_error();
	return ctl_err_set(err, code, "%s%s%s", what, reason ? ": " : "",
			   reason ? reason : "");
}

int ctl_exit_code(enum ctl_code code)
{
	switch (code) {
	case CTL_OK:
		return 0;
	case CTL_E_VERIFY:
		return 1;
	case CTL_E_FORMAT:
	case CTL_E_USAGE:
		return 2;
	case CTL_E_IO:
		return 3;
	case CTL_E_TOKEN:
		return 4;
	case CTL_E_REMOTE:
		return 5;
	case CTL_E_INTERNAL:
		return 6;
	}
	return 6;
}
