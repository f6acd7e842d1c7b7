/* cmd_util.c - option values shared by several commands. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "prompt.h"
#include "trustlist.h"

int cmd_parse_digest(const char *s, uint8_t *out)
{
	if (strcmp(s, "sha1") == 0 || strcmp(s, "sha-1") == 0)
		*out = DIGEST_SHA1;
	else if (strcmp(s, "sha256") == 0 || strcmp(s, "sha-256") == 0)
		*out = DIGEST_SHA256;
	else if (strcmp(s, "sha512") == 0 || strcmp(s, "sha-512") == 0)
		*out = DIGEST_SHA512;
	else
		return 0;
	return 1;
}

int cmd_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long long v;

	/* Digits only: strtoull would take blanks, a sign and wrap "-1". */
	if (s[0] < '0' || s[0] > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return 0;
	*out = (unsigned long)v;
	return 1;
}

int cmd_parse_version(const char *s, uint8_t *major, uint8_t *minor)
{
	const char *dot = strchr(s, '.');
	unsigned long a, b;
	char head[8];
	size_t n;

	if (dot == NULL || (n = (size_t)(dot - s)) >= sizeof(head))
		return 0;
	memcpy(head, s, n);
	head[n] = '\0';
	if (!cmd_parse_uint(head, 255, &a) || !cmd_parse_uint(dot + 1, 255, &b))
		return 0;
	*major = (uint8_t)a;
	*minor = (uint8_t)b;
	return 1;
}

static int parse_u32(const char *s, uint32_t *out)
{
	unsigned long v;

	if (!cmd_parse_uint(s, 0xffffffffUL, &v))
		return 0;
	*out = (uint32_t)v;
	return 1;
}

int cmd_timestamp(const char *opt, uint32_t *out)
{
	const char *env = getenv("SOURCE_DATE_EPOCH");

	if (opt != NULL)
		return parse_u32(opt, out);
	if (env != NULL && env[0] != '\0')
		return parse_u32(env, out);
	*out = (uint32_t)time(NULL);
	return 1;
}

const char *cmd_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

void cmd_shell_word(FILE *out, const char *w)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789@%+=:,./_-";

	if (w[0] != '\0' && w[strspn(w, plain)] == '\0') {
		fputs(w, out);
		return;
	}
	fputc('\'', out);
	for (; *w; w++) {
		if (*w == '\'')
			fputs("'\\''", out);
		else
			fputc(*w, out);
	}
	fputc('\'', out);
}

struct ctl_signer *cmd_key_signer(struct ctl_err *err, const char *key, const char *cert)
{
	const char *warning = NULL;
	struct ctl_signer *s = ctl_signer_from_key_file(err, &warning, key, cert,
							&cmd_tty_asker);

	if (s != NULL && warning != NULL)
		cmd_warn("%s: %s", key, warning);
	return s;
}
