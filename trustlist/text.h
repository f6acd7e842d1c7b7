/*
 * text.h - the one sanitizer for untrusted text on a terminal, and the
 * rule for JSON strings. Every name read from a file, a token or a
 * node, every directory entry name and every remote message goes through
 * these before it is printed, so that one policy holds everywhere:
 *
 * Terminal text: valid, printable UTF-8 passes unchanged. Each byte of a
 * C0 control (U+0000-U+001F), DEL, a C1 control (U+0080-U+009F), a bidi
 * mark, embedding, override or isolate (U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069), a line or paragraph separator (U+2028,
 * U+2029), and each byte that is not part of valid UTF-8 (overlong forms,
 * surrogates, beyond U+10FFFF, stray or missing continuation bytes) is
 * written as the four characters \xNN (lower-case hex). A backslash is
 * kept as is, so sanitizing twice changes nothing.
 *
 * JSON strings (the program's one JSON writer, ctlsign/json.c, over
 * jansson, applies this with ctl_utf8_seq and ctl_text_unsafe_cp): the
 * same code points are written as \uNNNN escapes (the string decodes to
 * the original text), '"' and '\\' are escaped, and each byte that is
 * not valid UTF-8 becomes U+FFFD (written \uFFFD): the output is always
 * a valid JSON string of valid UTF-8.
 *
 * Nothing here prints on its own account: output goes to the caller's
 * buffer or FILE.
 */
#ifndef CTLSIGN_TEXT_H
#define CTLSIGN_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * ctl_utf8_seq returns the length (1-4) of the valid UTF-8 sequence at
 * the start of p (n bytes, n > 0) and its code point in *out_cp, or 0 if
 * p does not start a valid sequence within n bytes.
 */
size_t ctl_utf8_seq(unsigned long *out_cp, const uint8_t *p, size_t n);

/* ctl_text_unsafe_cp says whether code point cp is never shown raw. */
int ctl_text_unsafe_cp(unsigned long cp);

/*
 * ctl_text_safe writes p (n bytes) made terminal-safe into out (cap
 * bytes, NUL-terminated when cap > 0). When it does not fit, it stops
 * before the first UTF-8 sequence or escape that would not fit whole.
 * Returns the length written, without the NUL.
 */
size_t ctl_text_safe(char *out, size_t cap, const uint8_t *p, size_t n);

/*
 * ctl_text_cstr is ctl_text_safe for a C string (NULL: ""). Returns out,
 * for use as a printf argument.
 */
const char *ctl_text_cstr(char *out, size_t cap, const char *s);

/*
 * ctl_text_fix makes the C string s (in a buffer of cap bytes) safe in
 * place: escapes may lengthen it, it is truncated as ctl_text_safe does.
 */
void ctl_text_fix(char *s, size_t cap);

/* ctl_text_put writes p (n bytes) made terminal-safe to out. */
void ctl_text_put(FILE *out, const uint8_t *p, size_t n);

#endif
