/*
 * json.h - the program's one way to write JSON (docs/json.md). Every
 * --json document is a jansson value tree printed once by cj_print: the
 * library writes the syntax, so the output is valid JSON whatever went
 * in. Strings from outside (names, paths, messages) enter through
 * cj_bytes / cj_str, which apply the engine's policy (text.h): bytes that
 * are not UTF-8 become U+FFFD; the code points the sanitizer never shows
 * raw are written as \uNNNN escapes, so the text decodes to the original.
 *
 * A value that cannot be made (out of memory) marks the document failed;
 * cj_print then prints nothing on stdout, says so on stderr and returns
 * the internal-error status. Callers need not check each step.
 *
 * Linked into the programs only (ctlsign, ctlsign-cluster): the engine
 * prints nothing and knows nothing of JSON.
 */
#ifndef CTLSIGN_JSON_H
#define CTLSIGN_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

/* The format_version of every document; docs/json.md says when it changes. */
#define CJ_FORMAT_VERSION 1

/*
 * cj_wanted says whether the words of a command line hold --json (before
 * a "--"). When they do, command (a static string, "show", "cluster
 * status") is remembered: a usage error reported from then on
 * (cmd_usage_error) is printed as that command's JSON document too.
 */
int cj_wanted(const char *command, int argc, char *const *argv);

/* cj_set_command renames the remembered command (a subcommand is known). */
void cj_set_command(const char *command);

/*
 * cj_doc_new returns {"format_version":1,"command":COMMAND,"error":null}
 * for the remembered command; the caller owns it (cj_print frees it).
 */
json_t *cj_doc_new(void);

/*
 * cj_print prints doc on stdout as one line and frees it. Returns 0, or
 * the internal-error exit status if the document could not be made or
 * written whole (then stderr says so). At most one document per process.
 */
int cj_print(json_t *doc);

/*
 * cj_fail_doc prints the document of a command that stopped before its
 * report: the envelope with "error" set from err. Returns err's exit
 * status (or the internal-error one, as cj_print).
 */
int cj_fail_doc(const struct ctl_err *err);

/*
 * cj_render returns v as compact JSON text with the string rule above
 * (malloc'd, the caller frees it), or NULL when out of memory.
 */
char *cj_render(const json_t *v);

/* cj_usage_hook: cmd_usage_error's JSON document (msg: the message), if --json. */
void cj_usage_hook(const char *msg);

/* Values. Each returns a new reference, or NULL (and marks the failure). */
json_t *cj_bytes(const uint8_t *p, size_t n); /* hostile bytes, by the rule above */
json_t *cj_str(const char *s);                /* the same; NULL gives null */
json_t *cj_int(long long v);
json_t *cj_bool(int v);
json_t *cj_obj(void);
json_t *cj_arr(void);
/*
 * cj_error returns {"code": exit status, "class": ..., "kind": ...|null,
 * "offset": N|null, "message": ...} for err.
 */
json_t *cj_error(const struct ctl_err *err);
/*
 * cj_error_msg is cj_error for a message alone (a node's report): code,
 * class and offset null unless code is not CTL_OK.
 */
json_t *cj_error_msg(enum ctl_code code, enum ctl_err_kind kind, const char *msg);

/*
 * cj_set sets obj[key] = v and takes v over; cj_add appends v to arr.
 * A NULL v, a NULL obj or arr, or a failure marks the document failed.
 */
void cj_set(json_t *obj, const char *key, json_t *v);
void cj_add(json_t *arr, json_t *v);

#endif
