/*
 * cmd_tokens.c - `ctlsign tokens list` and `ctlsign tokens export`: what
 * the SafeNet client's "advanced view" did for the tokenless-to-eToken
 * migration (seed 002): see each token and export its SAST certificate.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "cmd.h"
#include "json.h"
#include "p11/p11.h"
#include "tokens/tokens.h"
#include "trustlist.h"
#include "util.h"

static const char tokens_usage[] =
	"usage: ctlsign tokens list [--module PATH] [--json] [TOKEN-URI...]\n"
	"       ctlsign tokens export --out DIR [--format der|pem] [--module PATH] [TOKEN-URI...]\n"
	"\n"
	"list: every token of the PKCS#11 module with its label, serial, URI, PIN\n"
	"  state (PIN pad, count low, final try, locked) and each certificate: its\n"
	"  URI, subject, issuer, serial, SHA-1, and whether it is a SAST eToken\n"
	"  certificate. Each URI works as printed wherever ctlsign takes a token\n"
	"  URI (build's token options, TOKEN-URI here).\n"
	"export: one file per SAST certificate, named after its CN\n"
	"  (SAST-ADN0054f509.cer), ready for upload to CUCM as Phone-SAST-trust.\n"
	"  Without URIs, every token; no login is needed, no PIN is asked.\n"
	"\n"
	"options:\n"
	"  --module PATH      PKCS#11 module (default: $CTLSIGN_PKCS11_MODULE, p11-kit proxy,\n"
	"                     SafeNet eToken module)\n"
	"  -o, --out DIR      export: the directory to write to (must exist)\n"
	"  --format FMT       export: der (default, .cer) or pem (.pem)\n"
	"  -q, --quiet        export: print nothing on success\n"
	"  --json             list: one JSON document (docs/json.md)\n"
	"  -h, --help         this text\n"
	"\n"
	"TOKEN-URI is an RFC 7512 PKCS#11 URI: pkcs11:token=SAST-ADN0054f509,\n"
	"pkcs11:serial=...;object=...;id=%01?module-path=/usr/lib/libeToken.so\n";

enum { OPT_MODULE = 256, OPT_FORMAT, OPT_JSON };

static const struct option tokens_opts[] = {
	{ "module", required_argument, NULL, OPT_MODULE },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "out", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *pin_state(const struct tokens_token *t)
{
	if (t->pin_locked)
		return "LOCKED (no PIN will be tried)";
	if (t->pin_final_try)
		return "FINAL TRY: a wrong PIN locks the token (--final-try to sign)";
	if (t->pin_pad)
		return "PIN pad (entered on the reader)";
	if (!t->login_required)
		return "no login";
	if (t->pin_count_low)
		return "wrong PINs entered recently";
	return "ok";
}

static void print_cert(const struct tokens_cert *c)
{
	char *subject = ctl_name_render(X509_get_subject_name(c->x509));
	char *issuer = ctl_name_render(X509_get_issuer_name(c->x509));
	/* Names on a token are anyone's bytes: no control characters out. */
	char psubject[1024], pissuer[1024];
	uint8_t serial[64], der_sha1[SHA_DIGEST_LENGTH];
	char serial_hex[64 * 3 + 1], sha1_hex[2 * SHA_DIGEST_LENGTH + 1];
	size_t nserial = ctl_serial_bytes(c->x509, serial);
	unsigned int len = 0;

	ctl_hex(serial_hex, serial, nserial, ':', 1);
	X509_digest(c->x509, EVP_sha1(), der_sha1, &len);
	ctl_hex(sha1_hex, der_sha1, sizeof(der_sha1), 0, 0);
	cmd_print(stdout, "  certificate \"%s\" id %s: %s\n", c->label,
	       c->id[0] ? c->id : "(none)",
	       c->sast ? "SAST eToken" : "not SAST");
	/* Percent-encoded ASCII, and still sanitized like every string. */
	cmd_print(stdout, "    uri     %s\n", c->uri);
	printf("    subject %s\n", p11_printable(psubject, sizeof(psubject),
						   subject ? subject : "?"));
	printf("    issuer  %s\n", p11_printable(pissuer, sizeof(pissuer),
						   issuer ? issuer : "?"));
	printf("    serial  %s\n", serial_hex);
	printf("    sha1    %s\n", sha1_hex);
	free(subject);
	free(issuer);
}

static void print_list(const struct tokens_list *l)
{
	cmd_print(stdout, "module %s: %zu token%s\n", l->module, l->n, l->n == 1 ? "" : "s");
	for (size_t i = 0; i < l->n; i++) {
		const struct tokens_token *t = &l->tokens[i];

		cmd_print(stdout, "\ntoken %s\n", t->label);
		cmd_print(stdout, "  serial %s, slot %lu, %s %s\n", t->serial, t->slot_id,
		       t->manufacturer, t->model);
		cmd_print(stdout, "  uri %s\n", t->uri);
		printf("  PIN: %s\n", pin_state(t));
		if (t->ncerts == 0)
			printf("  no certificate\n");
		for (size_t k = 0; k < t->ncerts; k++)
			print_cert(&t->certs[k]);
	}
}

/* json_cert: a certificate of `tokens list --json` (docs/schema/tokens-list.json). */
static json_t *json_cert(const struct tokens_cert *c)
{
	char *subject = ctl_name_render(X509_get_subject_name(c->x509));
	char *issuer = ctl_name_render(X509_get_issuer_name(c->x509));
	uint8_t serial[64], der_sha1[SHA_DIGEST_LENGTH];
	char serial_hex[64 * 3 + 1], sha1_hex[2 * SHA_DIGEST_LENGTH + 1];
	size_t nserial = ctl_serial_bytes(c->x509, serial);
	unsigned int len = 0;
	json_t *o = cj_obj();

	ctl_hex(serial_hex, serial, nserial, ':', 1);
	cj_set(o, "label", cj_str(c->label));
	cj_set(o, "id", cj_str(c->id[0] ? c->id : NULL));
	cj_set(o, "uri", cj_str(c->uri));
	cj_set(o, "sast", cj_bool(c->sast));
	cj_set(o, "subject", cj_str(subject));
	cj_set(o, "issuer", cj_str(issuer));
	cj_set(o, "serial", cj_str(nserial > 0 ? serial_hex : NULL));
	if (X509_digest(c->x509, EVP_sha1(), der_sha1, &len) == 1) {
		ctl_hex(sha1_hex, der_sha1, sizeof(der_sha1), 0, 0);
		cj_set(o, "sha1", cj_str(sha1_hex));
	} else {
		cj_set(o, "sha1", cj_str(NULL));
	}
	free(subject);
	free(issuer);
	return o;
}

/* json_list: `tokens list --json`; the PIN flags as the module reported them. */
static int json_list(const struct tokens_list *l)
{
	json_t *doc = cj_doc_new(), *toks = cj_arr();

	cj_set(doc, "module", cj_str(l->module));
	for (size_t i = 0; i < l->n; i++) {
		const struct tokens_token *t = &l->tokens[i];
		json_t *o = cj_obj(), *pin = cj_obj(), *certs = cj_arr();

		cj_set(o, "label", cj_str(t->label));
		cj_set(o, "serial", cj_str(t->serial));
		cj_set(o, "slot", cj_int((long long)t->slot_id));
		cj_set(o, "manufacturer", cj_str(t->manufacturer));
		cj_set(o, "model", cj_str(t->model));
		cj_set(o, "uri", cj_str(t->uri));
		cj_set(pin, "login_required", cj_bool(t->login_required));
		cj_set(pin, "pin_pad", cj_bool(t->pin_pad));
		cj_set(pin, "count_low", cj_bool(t->pin_count_low));
		cj_set(pin, "final_try", cj_bool(t->pin_final_try));
		cj_set(pin, "locked", cj_bool(t->pin_locked));
		cj_set(o, "pin", pin);
		for (size_t k = 0; k < t->ncerts; k++)
			cj_add(certs, json_cert(&t->certs[k]));
		cj_set(o, "certificates", certs);
		cj_add(toks, o);
	}
	cj_set(doc, "tokens", toks);
	return cj_print(doc);
}

static void report_export(const char *path, const struct tokens_cert *c,
			  void *arg)
{
	if (!*(int *)arg)
		cmd_print(stdout, "%s\n", path);
}

int cmd_tokens(int argc, char **argv)
{
	const char *module = NULL, *dir = NULL, *sub;
	struct tokens_list l = { 0 };
	struct ctl_err err;
	int pem = 0, quiet = 0, json = 0, c, rc = 2;

	ctl_err_init(&err);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		json = cj_wanted("tokens list", argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(tokens_usage, stdout);
		return 0;
	}
	if (argc < 2)
		return cmd_usage_error("tokens", "list or export?");
	sub = argv[1];
	if (strcmp(sub, "list") != 0 && strcmp(sub, "export") != 0)
		return cmd_usage_error("tokens", "unknown subcommand '%s' (list, export)", sub);
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", tokens_opts, NULL)) != -1) {
		switch (c) {
		case OPT_MODULE: module = optarg; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "der") == 0)
				pem = 0;
			else if (strcmp(optarg, "pem") == 0)
				pem = 1;
			else
				return cmd_usage_error("tokens", "--format %s: use der or pem", optarg);
			break;
		case 'o': dir = optarg; break;
		case 'q': quiet = 1; break;
		case OPT_JSON:
			if (strcmp(sub, "list") != 0)
				return cmd_usage_error("tokens", "--json is for list");
			json = 1;
			break;
		case 'h': fputs(tokens_usage, stdout); return 0;
		default: return cmd_bad_option("tokens", argv);
		}
	}
	if (strcmp(sub, "export") == 0 && dir == NULL)
		return cmd_usage_error("tokens", "export needs --out DIR");
	if (strcmp(sub, "list") == 0 && dir != NULL)
		return cmd_usage_error("tokens", "--out is for export");
	if (!tokens_scan(&err, &l, module, (const char *const *)argv + optind,
			 (size_t)(argc - optind)))
		goto fail;
	if (strcmp(sub, "list") == 0 && json) {
		rc = json_list(&l);
		goto done;
	}
	if (strcmp(sub, "list") == 0)
		print_list(&l);
	else if (!tokens_export(&err, &l, dir, pem, report_export, &quiet))
		goto fail;
	rc = 0;
	goto done;
fail:
	if (json)
		cj_fail_doc(&err);
	rc = cmd_fail(&err);
done:
	tokens_list_cleanup(&l);
	return rc;
}
