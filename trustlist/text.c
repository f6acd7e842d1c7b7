/*
 * text.c - the one sanitizer for untrusted text on a terminal (the policy
 * is in text.h). It walks the input in units: a valid UTF-8 sequence, or
 * a single byte that does not start one; a unit is copied or escaped
 * whole, never cut.
 */
#include <stdlib.h>
#include <string.h>

#include "text.h"

size_t ctl_utf8_seq(unsigned long *out_cp, const uint8_t *p, size_t n)
{
	size_t k;
	unsigned long c;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*out_cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		k = 2, c = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		k = 3, c = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		k = 4, c = p[0] & 0x07u;
	else
		return 0; /* a continuation byte, C0/C1 (overlong), F5-FF */
	if (k > n)
		return 0;
	for (size_t j = 1; j < k; j++) {
		if ((p[j] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[j] & 0x3fu);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
	if ((k == 3 && c < 0x800) || (k == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*out_cp = c;
	return k;
}

int ctl_text_unsafe_cp(unsigned long c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || /* C0, DEL, C1 */
	       c == 0x061c || c == 0x200e || c == 0x200f || /* bidi marks */
	       (c >= 0x202a && c <= 0x202e) ||   /* embeddings, overrides */
	       (c >= 0x2066 && c <= 0x2069) ||   /* isolates */
	       c == 0x2028 || c == 0x2029;       /* line, paragraph separator */
}

/*
 * unit: the length *out_k of the unit at p and whether it is shown raw
 * (1) or escaped byte by byte (0).
 */
static int unit(size_t *out_k, const uint8_t *p, size_t n)
{
	unsigned long c = 0;
	size_t k = ctl_utf8_seq(&c, p, n);

	if (k == 0) {
		*out_k = 1;
		return 0;
	}
	*out_k = k;
	return !ctl_text_unsafe_cp(c);
}

size_t ctl_text_safe(char *out, size_t cap, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, k;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < n; i += k) {
		int raw;
		size_t w, r = 0;

		/*
		 * A run of printable ASCII, which every rule passes as it is,
		 * copied at once: names are mostly that, and a unit at a time
		 * was the largest cost of `show` after the cryptography.
		 */
		while (i + r < n && p[i + r] >= 0x20 && p[i + r] < 0x7f)
			r++;
		if (r > 0) {
			if (r > cap - 1 - o)
				r = cap - 1 - o;
			if (r == 0)
				break;
			memcpy(out + o, p + i, r);
			o += r;
			k = r;
			continue;
		}
		raw = unit(&k, p + i, n - i);
		w = raw ? k : 4 * k;
		if (w >= cap - o)
			break;
		if (raw) {
			memcpy(out + o, p + i, k);
			o += k;
			continue;
		}
		for (size_t j = 0; j < k; j++) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i + j] >> 4];
			out[o++] = hex[p[i + j] & 0xf];
		}
	}
	out[o] = '\0';
	return o;
}

const char *ctl_text_cstr(char *out, size_t cap, const char *s)
{
	if (s == NULL)
		s = "";
	ctl_text_safe(out, cap, (const uint8_t *)s, strlen(s));
	return out;
}

void ctl_text_fix(char *s, size_t cap)
{
	size_t n, k;
	uint8_t *copy;

	if (s == NULL || cap == 0)
		return;
	n = strnlen(s, cap - 1);
	s[n] = '\0';
	for (size_t i = 0; i < n; i += k)
		if (!unit(&k, (const uint8_t *)s + i, n - i))
			goto fix;
	return;
fix:
	copy = malloc(n);
	if (copy == NULL) {
		/* No room to escape: keep only the part that is already safe. */
		for (size_t i = 0; i < n; i += k)
			if (!unit(&k, (const uint8_t *)s + i, n - i)) {
				s[i] = '\0';
				break;
			}
		return;
	}
	memcpy(copy, s, n);
	ctl_text_safe(s, cap, copy, n);
	free(copy);
}

void ctl_text_put(FILE *out, const uint8_t *p, size_t n)
{
	size_t k;

	for (size_t i = 0; i < n; i += k) {
		if (unit(&k, p + i, n - i))
			fwrite(p + i, 1, k, out);
		else
			for (size_t j = 0; j < k; j++)
				fprintf(out, "\\x%02x", p[i + j]);
	}
}
